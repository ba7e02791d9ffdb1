//! Parse, don't validate: the only way to get these types is through `parse`, so everything
//! past the boundary holds valid data. Errors name the form field they belong to.
use super::error::AppError;
use serde::{Deserialize, Serialize};

/// A normalised (trimmed, lower-cased) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let email = raw.trim().to_lowercase();
        let invalid = || AppError::invalid("email", "Enter a valid email address, like name@example.com.");
        if email.len() > 254 || email.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1–80 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        parse_label(raw, "name", "Your name", 80).map(PersonName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A bot's name: 1–60 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotName(String);

impl BotName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        parse_label(raw, "name", "The bot's name", 60).map(BotName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn parse_label(raw: &str, field: &str, what: &str, max: usize) -> Result<String, AppError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, format!("{what} cannot be empty.")));
    }
    if value.chars().count() > max {
        return Err(AppError::invalid(field, format!("{what} can be at most {max} characters.")));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::invalid(field, format!("{what} cannot contain control characters.")));
    }
    Ok(value.to_string())
}

/// A new password: 8–128 characters. Never trimmed (spaces are legitimate), never logged.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let len = raw.chars().count();
        if len < Self::MIN {
            return Err(AppError::invalid("password", format!("Use at least {} characters.", Self::MIN)));
        }
        if len > Self::MAX {
            return Err(AppError::invalid("password", format!("Use at most {} characters.", Self::MAX)));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn bad_emails_are_rejected_with_the_field() {
        for raw in ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "ada@ex..com", "a@b@c.com"] {
            let err = Email::parse(raw).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{raw:?}");
            assert_eq!(err.status(), 422);
        }
    }

    #[test]
    fn password_length_bounds() {
        assert!(NewPassword::parse("1234567").is_err());
        assert!(NewPassword::parse("12345678").is_ok());
        assert!(NewPassword::parse(&"x".repeat(128)).is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        // Characters, not bytes.
        assert!(NewPassword::parse("ééééééé").is_err());
        assert!(NewPassword::parse("éééééééé").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"a".repeat(81)).is_err());
        assert!(BotName::parse("Shop\u{0007}bot").is_err());
        assert!(BotName::parse(&"b".repeat(60)).is_ok());
        assert!(BotName::parse(&"b".repeat(61)).is_err());
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let password = NewPassword::parse("correct horse").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}

/// Where to go after signing in: a path on this site, parsed at the boundary. Only printable
/// ASCII without spaces or backslashes, starting with one `/` (never `//`, which browsers read
/// as another host): control characters would break the `Location` header, and a tab or
/// backslash after the slash is dropped or flipped by browsers into `//evil.example`.
/// Anything else falls back to `/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextPath(String);

impl NextPath {
    pub fn parse(raw: Option<&str>) -> NextPath {
        match raw {
            Some(path) if Self::acceptable(path) => NextPath(path.to_string()),
            _ => NextPath("/".to_string()),
        }
    }

    fn acceptable(path: &str) -> bool {
        path.len() <= 2048
            && path.starts_with('/')
            && !path[1..].starts_with('/')
            && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod next_path_tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::NextPath;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn next(raw: &str) -> String {
        NextPath::parse(Some(raw)).as_str().to_string()
    }

    #[test]
    fn same_site_paths_are_kept() {
        assert_eq!(next("/invite/abc"), "/invite/abc");
        assert_eq!(next("/bots/1/team?page=2"), "/bots/1/team?page=2");
        assert_eq!(NextPath::parse(None).as_str(), "/");
    }

    #[test]
    fn other_origins_and_header_breakers_fall_back_to_home() {
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n",
            "/\r\nSet-Cookie: x=1",
            "/\u{7f}",
            "/\0",
            "/ /evil.example",
            "/é",
            "",
            "evil",
        ] {
            assert_eq!(next(bad), "/", "{bad:?}");
        }
    }
}
