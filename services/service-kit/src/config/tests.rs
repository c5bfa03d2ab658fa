use serde::Deserialize;

use super::*;

#[derive(Debug, Deserialize)]
struct Sample {
    port: u16,
    name: Option<String>,
}

#[test]
fn pairs_deserialize_like_the_environment() {
    let sample: Sample = from_pairs([("PORT", "3000"), ("NAME", "x")]).unwrap();
    assert_eq!(sample.port, 3000);
    assert_eq!(sample.name.as_deref(), Some("x"));
}

#[test]
fn errors_name_the_variable_in_upper_case() {
    let error = from_pairs::<Sample, _, _, _>([("PORT", "eighty")]).unwrap_err();
    assert!(error.to_string().contains("PORT"), "{error}");
    let error = from_pairs::<Sample, _, &str, &str>([]).unwrap_err();
    assert_eq!(error.to_string(), "PORT is required");
}

#[test]
fn flags_accept_only_unambiguous_spellings() {
    assert!(parse_flag("X", "true").unwrap());
    assert!(parse_flag("X", "1").unwrap());
    assert!(parse_flag("X", "TRUE").unwrap());
    assert!(!parse_flag("X", "false").unwrap());
    assert!(!parse_flag("X", "0").unwrap());
    assert!(!parse_flag("X", "").unwrap());
    let error = parse_flag("DISABLE_AUTH", "yes").unwrap_err();
    assert!(error.to_string().starts_with("DISABLE_AUTH"), "{error}");
}

#[test]
fn lists_drop_blanks() {
    assert_eq!(split_list(" a, ,b ,"), vec!["a".to_owned(), "b".to_owned()]);
    assert!(split_list("").is_empty());
}
