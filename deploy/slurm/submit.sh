#!/usr/bin/env bash
# Submits the sweep as a Slurm array (deploy/slurm/sweep.sbatch) and the
# merge (deploy/slurm/merge.sbatch) to run once every array task succeeded.
# Run it from a folder on the shared file system: logs land there, and so do
# the results unless SHARDSIM_RESULTS says otherwise.
#
#   SHARDSIM_SIF=/shared/images/shardsim.sif bash deploy/slurm/submit.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# sbatch hands the submitting shell's environment to the jobs, these included.
export SHARDSIM_SIF=${SHARDSIM_SIF:-$PWD/shardsim.sif}
export SHARDSIM_RESULTS=${SHARDSIM_RESULTS:-$PWD/results}
[ -r "$SHARDSIM_SIF" ] || { echo "no image at $SHARDSIM_SIF (see sweep.sbatch for how to build it)" >&2; exit 2; }
mkdir -p "$SHARDSIM_RESULTS"

# --parsable prints "jobid" or "jobid;cluster".
sweep=$(sbatch --parsable "$here/sweep.sbatch")
sweep=${sweep%%;*}
# afterok on the array's id waits for all of its tasks, and never starts the
# merge if one fails (squeue then shows DependencyNeverSatisfied).
merge=$(sbatch --parsable --dependency="afterok:$sweep" "$here/merge.sbatch")
merge=${merge%%;*}

echo "sweep: array job $sweep; merge: job $merge, after it"
echo "results: $SHARDSIM_RESULTS/merged/shard-sweep/report.json"
echo "follow with: squeue -j $sweep,$merge   then: sacct -j $merge --format=JobID,State,ExitCode"
