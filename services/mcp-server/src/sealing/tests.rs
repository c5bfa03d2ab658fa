use proptest::prelude::*;

use super::*;

fn ring(entries: &[(&str, u8)]) -> KeyRing {
    let setting: Vec<String> = entries
        .iter()
        .map(|(kid, byte)| {
            format!(
                "{kid}:{}",
                base64::engine::general_purpose::STANDARD.encode([*byte; 32])
            )
        })
        .collect();
    KeyRing::parse(&setting.join(",")).unwrap()
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn values_round_trip() {
    let keys = ring(&[("k1", 1)]);
    let sealed = keys.seal(&vec!["secret answer"], b"tools/call:x", HOUR);
    assert!(sealed.starts_with("v1.k1."));
    assert!(!sealed.contains("secret"), "the value is encrypted");
    assert_eq!(
        keys.open::<Vec<String>>(&sealed, b"tools/call:x"),
        Ok(vec!["secret answer".to_owned()])
    );
}

#[test]
fn another_binding_does_not_open() {
    let keys = ring(&[("k1", 1)]);
    let sealed = keys.seal(&1, b"tools/call:x|alice", HOUR);
    assert_eq!(
        keys.open::<i32>(&sealed, b"tools/call:x|bob"),
        Err(SealError::Forged)
    );
    assert_eq!(
        keys.open::<i32>(&sealed, b"tools/call:y|alice"),
        Err(SealError::Forged)
    );
}

#[test]
fn the_wrong_key_does_not_open() {
    let sealed = ring(&[("k1", 1)]).seal(&1, b"b", HOUR);
    assert_eq!(
        ring(&[("k1", 2)]).open::<i32>(&sealed, b"b"),
        Err(SealError::Forged)
    );
    assert_eq!(
        ring(&[("k2", 1)]).open::<i32>(&sealed, b"b"),
        Err(SealError::UnknownKey)
    );
}

#[test]
fn expired_values_do_not_open() {
    let keys = ring(&[("k1", 1)]);
    let sealed = keys.seal_at(&1, b"b", now_secs() - 1);
    assert_eq!(keys.open::<i32>(&sealed, b"b"), Err(SealError::Expired));
}

#[test]
fn keys_rotate_without_breaking_values_in_flight() {
    let old = ring(&[("old", 1)]);
    let rotated = ring(&[("new", 2), ("old", 1)]);
    let sealed_before = old.seal(&"x", b"b", HOUR);
    assert_eq!(
        rotated.open::<String>(&sealed_before, b"b"),
        Ok("x".to_owned())
    );
    let sealed_after = rotated.seal(&"y", b"b", HOUR);
    assert!(sealed_after.starts_with("v1.new."), "the first key seals");
    assert_eq!(
        old.open::<String>(&sealed_after, b"b"),
        Err(SealError::UnknownKey)
    );
}

#[test]
fn malformed_values_are_refused() {
    let keys = ring(&[("k1", 1)]);
    for sealed in [
        "",
        "v1",
        "v1.k1",
        "v1.k1.",
        "v2.k1.AAAA",
        "v1.k1.!!!!",
        "v1.k1.AAAA",
    ] {
        let opened = keys.open::<i32>(sealed, b"b");
        assert!(
            matches!(opened, Err(SealError::Malformed)),
            "{sealed:?}: {opened:?}"
        );
    }
}

#[test]
fn key_settings_are_checked() {
    let short = base64::engine::general_purpose::STANDARD.encode([7u8; 31]);
    for setting in ["", "k1", "k1:short", "bad kid:AAAA", &format!("k1:{short}")] {
        assert!(KeyRing::parse(setting).is_err(), "{setting:?}");
    }
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    assert!(
        KeyRing::parse(&format!("k1:{key},k1:{key}")).is_err(),
        "duplicate ids"
    );
    let url_safe = URL_SAFE_NO_PAD.encode([7u8; 32]);
    assert!(KeyRing::parse(&format!("a:{key}, b:{url_safe}")).is_ok());
    assert!(!KeyRing::parse(&format!("a:{key}")).unwrap().is_ephemeral());
    assert!(KeyRing::ephemeral().is_ephemeral());
}

proptest! {
    #[test]
    fn any_value_round_trips(value in ".*", binding in proptest::collection::vec(any::<u8>(), 0..64)) {
        let keys = ring(&[("k", 9)]);
        let sealed = keys.seal(&value, &binding, HOUR);
        prop_assert_eq!(keys.open::<String>(&sealed, &binding), Ok(value));
    }

    #[test]
    fn any_tampering_is_detected(flip in any::<prop::sample::Index>(), bit in 0u8..8) {
        let keys = ring(&[("k", 9)]);
        let sealed = keys.seal(&"payload", b"b", HOUR);
        let body_start = "v1.k.".len();
        let mut raw = URL_SAFE_NO_PAD.decode(&sealed[body_start..]).unwrap();
        let index = flip.index(raw.len());
        raw[index] ^= 1 << bit;
        let tampered = format!("v1.k.{}", URL_SAFE_NO_PAD.encode(raw));
        prop_assert_eq!(keys.open::<String>(&tampered, b"b"), Err(SealError::Forged));
    }
}
