//! Configuration from environment variables (see README "Configuration").
use app::server::Settings;
use leptos::config::LeptosOptions;
use std::net::SocketAddr;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/switchboard.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    pub site_root: String,
    pub settings: Settings,
    pub json_logs: bool,
    /// Password hashing threads, and hashes allowed to wait for one (past that: 503).
    pub password_workers: usize,
    pub password_queue: usize,
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let addr: SocketAddr = get("SWITCHBOARD_ADDR")
            .unwrap_or_else(|| DEFAULT_ADDR.into())
            .parse()
            .map_err(|e| format!("SWITCHBOARD_ADDR: {e}"))?;
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        app::server::Backend::from_url(&database_url)?;
        let mut settings = Settings {
            // Secure cookies need HTTPS: on by default unless we only listen on loopback.
            secure_cookies: !addr.ip().is_loopback(),
            ..Settings::default()
        };
        if let Some(v) = get("SWITCHBOARD_SECURE_COOKIES") {
            settings.secure_cookies = parse_bool("SWITCHBOARD_SECURE_COOKIES", &v)?;
        }
        if let Some(v) = get("SWITCHBOARD_TRUST_PROXY") {
            // true = one proxy in front; a number = that many proxies, each appending its peer.
            settings.trusted_proxy_hops = match v.parse::<usize>() {
                Ok(hops) => hops,
                Err(_) => usize::from(parse_bool("SWITCHBOARD_TRUST_PROXY", &v)?),
            };
        }
        if let Some(v) = get("SWITCHBOARD_SIGNUPS_PER_HOUR") {
            settings.limits.sign_up_per_address.max = parse_positive("SWITCHBOARD_SIGNUPS_PER_HOUR", &v)? as i64;
        }
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        let password_workers = match get("SWITCHBOARD_PASSWORD_WORKERS") {
            Some(v) => parse_positive("SWITCHBOARD_PASSWORD_WORKERS", &v)? as usize,
            None => cores,
        };
        let password_queue = match get("SWITCHBOARD_PASSWORD_QUEUE") {
            Some(v) => parse_positive("SWITCHBOARD_PASSWORD_QUEUE", &v)? as usize,
            None => 64 * password_workers,
        };
        if let Some(v) = get("SWITCHBOARD_SESSION_IDLE_MINUTES") {
            settings.idle_timeout = Duration::from_secs(60 * parse_positive("SWITCHBOARD_SESSION_IDLE_MINUTES", &v)?);
        }
        if let Some(v) = get("SWITCHBOARD_SESSION_MAX_DAYS") {
            settings.absolute_lifetime =
                Duration::from_secs(86_400 * parse_positive("SWITCHBOARD_SESSION_MAX_DAYS", &v)?);
        }
        if let Some(v) = get("SWITCHBOARD_INVITATION_TTL_SECONDS") {
            settings.invitation_ttl = Duration::from_secs(parse_positive("SWITCHBOARD_INVITATION_TTL_SECONDS", &v)?);
        }
        if let Some(v) = get("SWITCHBOARD_MEDIA_DIR") {
            settings.media_dir = v.into();
        }
        if let Some(v) = get("SWITCHBOARD_MAX_UPLOAD_MB") {
            let mb = parse_positive("SWITCHBOARD_MAX_UPLOAD_MB", &v)?;
            if mb > 100 {
                return Err("SWITCHBOARD_MAX_UPLOAD_MB can be at most 100".into());
            }
            settings.max_upload_bytes = mb as usize * 1024 * 1024;
        }
        settings.public_url = match get("SWITCHBOARD_PUBLIC_URL") {
            Some(v) if v.starts_with("http://") || v.starts_with("https://") => v.trim_end_matches('/').to_string(),
            Some(v) => return Err(format!("SWITCHBOARD_PUBLIC_URL must start with http:// or https://, not `{v}`")),
            None => format!("http://{addr}"),
        };
        let json_logs = match get("SWITCHBOARD_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(format!("SWITCHBOARD_LOG_FORMAT must be text or json, not `{other}`"));
            }
        };
        Ok(Config {
            addr,
            database_url,
            site_root: get("SWITCHBOARD_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            settings,
            json_logs,
            password_workers,
            password_queue,
        })
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("switchboard")
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .build()
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{key} must be true or false, not `{value}`")),
    }
}

fn parse_positive(key: &str, value: &str) -> Result<u64, String> {
    value.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| format!("{key} must be a positive whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_local_sqlite_without_secure_cookies() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert!(!c.settings.secure_cookies);
        assert_eq!(c.settings.max_upload_bytes, 10 * 1024 * 1024);
        assert_eq!(c.settings.public_url, "http://127.0.0.1:3000");
    }

    #[test]
    fn media_settings_are_checked() {
        let c =
            config(&[("SWITCHBOARD_MAX_UPLOAD_MB", "25"), ("SWITCHBOARD_PUBLIC_URL", "https://inbox.example.com/")])
                .unwrap();
        assert_eq!(c.settings.max_upload_bytes, 25 * 1024 * 1024);
        assert_eq!(c.settings.public_url, "https://inbox.example.com");
        assert!(config(&[("SWITCHBOARD_MAX_UPLOAD_MB", "0")]).is_err());
        assert!(config(&[("SWITCHBOARD_MAX_UPLOAD_MB", "500")]).is_err());
        assert!(config(&[("SWITCHBOARD_PUBLIC_URL", "inbox.example.com")]).is_err());
    }

    #[test]
    fn public_bind_turns_secure_cookies_on_unless_overridden() {
        assert!(config(&[("SWITCHBOARD_ADDR", "0.0.0.0:8080")]).unwrap().settings.secure_cookies);
        let c = config(&[("SWITCHBOARD_ADDR", "0.0.0.0:8080"), ("SWITCHBOARD_SECURE_COOKIES", "false")]).unwrap();
        assert!(!c.settings.secure_cookies);
    }

    #[test]
    fn bad_values_are_explained() {
        assert!(config(&[("DATABASE_URL", "mysql://x")]).unwrap_err().contains("DATABASE_URL"));
        assert!(config(&[("SWITCHBOARD_SECURE_COOKIES", "maybe")]).unwrap_err().contains("true or false"));
        assert!(config(&[("SWITCHBOARD_ADDR", "nowhere")]).unwrap_err().contains("SWITCHBOARD_ADDR"));
        assert!(config(&[("SWITCHBOARD_TRUST_PROXY", "maybe")]).unwrap_err().contains("true or false"));
    }

    #[test]
    fn trusted_proxies_are_counted_in_hops() {
        assert_eq!(config(&[]).unwrap().settings.trusted_proxy_hops, 0);
        assert_eq!(config(&[("SWITCHBOARD_TRUST_PROXY", "true")]).unwrap().settings.trusted_proxy_hops, 1);
        assert_eq!(config(&[("SWITCHBOARD_TRUST_PROXY", "2")]).unwrap().settings.trusted_proxy_hops, 2);
        assert_eq!(config(&[("SWITCHBOARD_TRUST_PROXY", "false")]).unwrap().settings.trusted_proxy_hops, 0);
    }
}
