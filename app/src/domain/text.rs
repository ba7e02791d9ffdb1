//! Wording shared by the server's messages and the UI: plurals and waits.
use std::time::Duration;

/// "1 seat", "2 seats", "0 seats".
pub fn count(n: i64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// `count` for nouns that take an "s": "1 day", "3 days".
pub fn count_s(n: i64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// The first few of `total` names as a sentence reads them: "Ada", "Ada and Bo",
/// "Ada, Bo and Cy", "Ada, Bo, Cy and 7 more".
pub fn names_phrase(first: &[String], total: i64) -> String {
    let more = total - first.len() as i64;
    let mut parts: Vec<String> = first.to_vec();
    if more > 0 {
        parts.push(format!("{more} more"));
    }
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// How long to wait, rounded up to what a person reads: "30 seconds", "1 minute", "15 minutes",
/// "2 hours".
pub fn wait_phrase(wait: Duration) -> String {
    let secs = wait.as_secs().max(1) as i64;
    if secs < 60 {
        count_s(secs, "second")
    } else if secs <= 90 * 60 {
        count_s((secs + 59) / 60, "minute")
    } else {
        count_s((secs + 3599) / 3600, "hour")
    }
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn plurals() {
        assert_eq!(count_s(1, "seat"), "1 seat");
        assert_eq!(count_s(2, "seat"), "2 seats");
        assert_eq!(count_s(0, "day"), "0 days");
        assert_eq!(count(1, "person", "people"), "1 person");
        assert_eq!(count(3, "person", "people"), "3 people");
    }

    #[test]
    fn waits_round_up() {
        assert_eq!(wait_phrase(Duration::from_secs(1)), "1 second");
        assert_eq!(wait_phrase(Duration::from_secs(59)), "59 seconds");
        assert_eq!(wait_phrase(Duration::from_secs(61)), "2 minutes");
        assert_eq!(wait_phrase(Duration::from_secs(60)), "1 minute");
        assert_eq!(wait_phrase(Duration::from_secs(15 * 60)), "15 minutes");
        assert_eq!(wait_phrase(Duration::from_secs(3600)), "60 minutes");
        assert_eq!(wait_phrase(Duration::from_secs(2 * 3600)), "2 hours");
    }
}
