//! Hash-key ranges and key → shard routing against independent computations
//! and AWS's published `describe-stream` output (reference §2.1).

use shardsim::stream::hash::{ShardMap, hash_key, initial_ranges};

/// floor(2^128 / n) for n >= 2 by long division on halves, independent of
/// the code's power-of-two special case.
fn width(n: u128) -> u128 {
    let half = 1u128 << 127;
    (half / n) * 2 + ((half % n) * 2) / n
}

#[test]
fn ranges_follow_the_documented_formula_for_1_to_10_shards() {
    for n in 1..=10u32 {
        let r = initial_ranges(n);
        assert_eq!(r.len(), n as usize);
        let w = if n == 1 { 0 } else { width(n as u128) };
        for (i, range) in r.iter().enumerate() {
            let i = i as u128;
            assert_eq!(range.start, i * w, "n={n} shard {i} start");
            let end = if i + 1 == n as u128 { u128::MAX } else { (i + 1) * w - 1 };
            assert_eq!(range.end, end, "n={n} shard {i} end");
        }
    }
}

#[test]
fn three_and_five_shards_match_aws_digit_for_digit() {
    let r3 = initial_ranges(3);
    let got: Vec<(String, String)> = r3.iter().map(|r| (r.start.to_string(), r.end.to_string())).collect();
    let aws = [
        ("0", "113427455640312821154458202477256070484"),
        ("113427455640312821154458202477256070485", "226854911280625642308916404954512140969"),
        ("226854911280625642308916404954512140970", "340282366920938463463374607431768211455"),
    ];
    for (g, a) in got.iter().zip(aws) {
        assert_eq!((g.0.as_str(), g.1.as_str()), a);
    }
    let r5 = initial_ranges(5);
    assert_eq!(r5[0].end.to_string(), "68056473384187692692674921486353642290");
    assert!(r5[4].start.to_string().starts_with("27222589353675077"));
}

#[test]
fn known_keys_land_on_the_shards_md5_says() {
    // Digests and shards computed independently with Python's hashlib:
    // int(md5(key).hexdigest(), 16) // floor(2**128 / n).
    let cases = [
        ("key-0", 239_606_560_113_066_237_791_549_349_790_285_249_783u128, [2, 2, 3, 4]),
        ("key-1", 44_775_357_070_821_016_797_045_618_461_742_138_278, [0, 0, 0, 0]),
        ("key-42", 261_556_916_843_341_475_649_459_158_753_322_759_371, [3, 2, 3, 5]),
        ("orders-0", 53_153_013_434_430_619_619_237_624_816_040_954_230, [0, 0, 0, 1]),
    ];
    for (key, digest, shards) in cases {
        assert_eq!(hash_key(key.as_bytes()), digest, "{key}");
        for (n, want) in [4u32, 3, 5, 7].into_iter().zip(shards) {
            assert_eq!(ShardMap::new(&initial_ranges(n)).shard_of(digest), want, "{key} on {n} shards");
        }
    }
}
