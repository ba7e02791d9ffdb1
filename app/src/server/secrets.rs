//! Random secrets and HMAC-SHA256 signatures: channel secrets, visitor tokens and webhook
//! signatures. Comparisons of signatures run in constant time.
use argon2::password_hash::rand_core::{OsRng, RngCore};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// `bytes` random bytes from the operating system, as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

fn mac(key: &str, parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// HMAC-SHA256 of the concatenated `parts` under `key`, as lower-case hex.
pub fn sign(key: &str, parts: &[&[u8]]) -> String {
    hex::encode(mac(key, parts).finalize().into_bytes())
}

/// Whether `signature_hex` is the HMAC-SHA256 of `parts` under `key` (constant time).
pub fn verify(key: &str, parts: &[&[u8]], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex.trim()) else { return false };
    mac(key, parts).verify_slice(&signature).is_ok()
}

/// The webhook signature, both directions: `HMAC-SHA256(secret, "{timestamp}.{raw body}")`.
pub fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> String {
    sign(secret, &[timestamp.to_string().as_bytes(), b".", body])
}

pub fn verify_webhook(secret: &str, timestamp: i64, body: &[u8], signature_hex: &str) -> bool {
    verify(secret, &[timestamp.to_string().as_bytes(), b".", body], signature_hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_secrets_are_long_and_distinct() {
        let a = random_hex(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32));
    }

    #[test]
    fn hmac_matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", &[b"what do ya want ", b"for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn webhook_signatures_bind_timestamp_and_body() {
        let sig = sign_webhook("s3cret", 1_700_000_000, b"{\"a\":1}");
        assert!(verify_webhook("s3cret", 1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!verify_webhook("s3cret", 1_700_000_001, b"{\"a\":1}", &sig), "another timestamp");
        assert!(!verify_webhook("s3cret", 1_700_000_000, b"{\"a\":2}", &sig), "another body");
        assert!(!verify_webhook("other", 1_700_000_000, b"{\"a\":1}", &sig), "another secret");
        assert!(!verify_webhook("s3cret", 1_700_000_000, b"{\"a\":1}", "not hex"));
    }
}
