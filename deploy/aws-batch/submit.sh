#!/usr/bin/env bash
# Runs the 1,000-configuration sweep on AWS Batch: registers the job
# definition, submits a 50-child array job (each child runs one slice,
# --partition auto reading AWS_BATCH_JOB_ARRAY_INDEX and
# AWS_BATCH_JOB_ARRAY_SIZE), then the merge, which AWS Batch starts once every
# child has succeeded. Parts and the merged report go to an EFS file system
# mounted at /results. See deploy/README.md for the one-time setup.
#
# Edit before the first run:
#   job-definition.json   image, fileSystemId, accessPointId
#   submit-*.json         jobQueue (both files)
#
#   bash deploy/aws-batch/submit.sh
set -euo pipefail
cd "$(dirname "$0")"

# The shipped values are AWS's documentation examples: refuse them rather
# than fail later with a pull or mount error.
if grep -q -e '123456789012' -e 'fs-0123456789abcdef0' -e 'fsap-0123456789abcdef0' job-definition.json; then
  echo "edit job-definition.json first: image, fileSystemId and accessPointId (deploy/README.md)" >&2
  exit 2
fi

# Each registration adds a revision; submit-*.json name the job definition
# without one, which means its latest active revision.
aws batch register-job-definition --cli-input-json file://job-definition.json \
  --query '[jobDefinitionName, revision]' --output text

sweep_id=$(aws batch submit-job --cli-input-json file://submit-sweep.json \
  --query jobId --output text)
echo "sweep: array job $sweep_id"

# Depending on the array job itself (not on one child) waits for all children.
merge_id=$(aws batch submit-job --cli-input-json file://submit-merge.json \
  --depends-on "jobId=$sweep_id" --query jobId --output text)
echo "merge: job $merge_id, after $sweep_id"

cat <<MSG
Follow them with
  aws batch describe-jobs --jobs $sweep_id --query 'jobs[0].arrayProperties.statusSummary'
  aws batch describe-jobs --jobs $merge_id --query 'jobs[0].[status, container.exitCode]'
The merge's exit code is the verdict: 0 the SLO is met, 1 it is broken, 2 a part is
missing or does not match. The report is on the file system, under merged/shard-sweep/.
MSG
