//! The Kinesis Agent as a producer, against closed forms: its buffers
//! close at 500 records or one minute, its keys are random (17 bytes) or
//! the MD5 of the data (32 bytes), and it never gives a record up — under
//! throttling its publisher backs off instead.

use crate::common::{INSTANT_REQUESTS, assert_conserved, point};

/// `instances` log servers writing `per_instance` 300-byte lines a second,
/// evenly spaced, for `duration_s`, into `shards` shards, with the agent's
/// extra lines and producer lines; a polling reader.
fn servers(instances: u32, per_instance: u32, shards: u32, duration_s: u32, agent: &str, producer: &str) -> String {
    format!(
        "[scenario]\nname = \"agent\"\nseed = 31\nduration_s = {duration_s}\n\
         [stream]\nshard_count = {shards}\n\
         [[producers]]\nname = \"web\"\nclient = \"agent\"\ninstances = {instances}\n\
         records_per_s = {}\narrival = \"constant\"\nrecord_bytes = {{ dist = \"fixed\", bytes = 300 }}\n{producer}\n\
         [producers.agent]\n{agent}\n\
         [[consumers]]\nname = \"r\"\nkind = \"polling\"\nidle_time_between_reads_ms = 200\n",
        instances * per_instance
    )
}

#[test]
fn a_quiet_log_waits_for_the_one_minute_buffer_age() {
    // 2 lines a second: a buffer never fills 500 records, so each is sent
    // 60 s after its first line. A line waits 30 s on average. Started
    // together, the four servers send in the same second, 120 lines each.
    let together = format!("{INSTANT_REQUESTS}\nfleet_start = \"together\"");
    let p = point(&servers(4, 2, 2, 600, &together, ""));
    let f = &p.producers.total;
    // 600 s / 60 s = 10 buffers per server (the last one still open).
    assert!((36..=40).contains(&f.put_calls), "{f:?}");
    let l = &p.consumers[0].end_to_end_latency_ms;
    assert!((l.mean - 30_000.0).abs() < 1_000.0, "{l:?}");
    assert!(l.max > 59_000.0 && l.max < 61_000.0, "{l:?}");
    assert_eq!(p.producers.per_producer[0].client.to_string(), "agent");
    assert!(p.stream.incoming_records_per_s_max >= 480, "{}", p.stream.incoming_records_per_s_max);
    assert_conserved(&p);

    // Staggered (the default), each server's first buffer closes at a
    // random point of its minute, and they stay apart.
    let p = point(&servers(4, 2, 2, 600, INSTANT_REQUESTS, ""));
    assert!(p.stream.incoming_records_per_s_max <= 240, "{}", p.stream.incoming_records_per_s_max);
    assert_conserved(&p);

    // max_buffer_age_ms = 1000: a buffer closes a second after its first
    // line, and takes the line arriving at that very instant: 3 lines.
    let p = point(&servers(4, 2, 2, 600, &format!("{together}\nmax_buffer_age_ms = 1000"), ""));
    assert_eq!(p.producers.total.put_calls, 4 * 2 * 600 / 3, "{:?}", p.producers.total);
}

#[test]
fn a_busy_log_fills_500_record_buffers_with_random_17_byte_keys() {
    // 400 lines a second per server: a buffer fills in 1.25 s.
    let p = point(&servers(2, 400, 4, 120, &format!("{INSTANT_REQUESTS}\nfleet_start = \"together\""), ""));
    let f = &p.producers.total;
    assert_eq!(f.records_put, f.put_calls * 500 + f.records_put % 500, "{f:?}");
    assert!((190..=192).contains(&f.put_calls), "{f:?}");
    // Each record counts its 300 data bytes and its random key's 17.
    assert_eq!(f.bytes_put, f.records_put * (300 + 17));
    // Random keys spread evenly: each shard within 3 % of a quarter.
    for s in &p.shards {
        assert!((s.traffic_share - 0.25).abs() < 0.0075, "{s:?}");
    }
    assert_conserved(&p);
}

#[test]
fn deterministic_keys_are_md5_digests_of_repeating_lines() {
    // Every line the same: one 32-byte key, one shard.
    let producer = "partition_key = { dist = \"fixed\", key = \"GET /health\" }";
    let agent = format!("{INSTANT_REQUESTS}\npartition_key_option = \"deterministic\"");
    let p = point(&servers(1, 100, 4, 60, &agent, producer));
    let f = &p.producers.total;
    assert_eq!(f.bytes_put, f.records_put * (300 + 32));
    let busy: Vec<_> = p.shards.iter().filter(|s| s.incoming_records > 0).collect();
    assert_eq!(busy.len(), 1, "{:?}", p.shards);
    assert_conserved(&p);
}

#[test]
fn under_throttling_the_agent_backs_off_and_gives_nothing_up() {
    // 3,000 lines/s of 300 bytes into one shard (1,000 records/s): most
    // attempts are throttled, and the agent keeps retrying.
    let p = point(&servers(3, 1_000, 1, 120, "", ""));
    let f = &p.producers.total;
    assert!(f.throttle_rate > 0.3, "{f:?}");
    assert_eq!(f.records_dropped, 0);
    // The publisher sleeps before each dispatch while its failure count is
    // up (up to 10 s): it makes fewer calls, retries included, than the
    // 720 buffers its servers close, and its calls wait seconds for it.
    assert!(f.put_calls < 720, "{f:?}");
    let wait = &p.producers.per_producer[0].requests.slot_wait_ms;
    assert!(wait.p50 > 1_000.0, "{wait:?}");
    assert!(f.records_put <= 121_000, "{f:?}");
    assert_conserved(&p);
}
