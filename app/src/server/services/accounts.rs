use crate::domain::input::{Email, NewPassword, PersonName};
use crate::domain::views::SessionView;
use crate::domain::{AppError, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::state::LoginLimits;
use crate::server::{password, repo};

pub async fn sign_up(db: &Db, name: &str, email: &str, password: &str) -> Result<UserId, AppError> {
    let name = PersonName::parse(name)?;
    let email = Email::parse(email)?;
    let password = NewPassword::parse(password)?;
    let hash = password::hash(password).await?;
    repo::insert_user(db.pool(), email.as_str(), name.as_str(), &hash, now_ms())
        .await?
        .ok_or_else(|| AppError::Conflict("An account with this email already exists. Log in instead.".into()))
}

/// Checks credentials. Unknown email and wrong password answer identically (same error, same
/// work). Failed attempts count per client address and per email; over the limit → 429.
pub async fn log_in(
    db: &Db,
    limits: &LoginLimits,
    client_ip: &str,
    email: &str,
    password: String,
) -> Result<UserId, AppError> {
    let email = Email::parse(email)?;
    let now = now_ms();
    let since = now - limits.window.as_millis() as i64;
    let by_ip = repo::failed_logins_since(db.pool(), "ip", client_ip, since).await?;
    let by_email = repo::failed_logins_since(db.pool(), "email", email.as_str(), since).await?;
    if by_ip >= limits.per_ip || by_email >= limits.per_email {
        let minutes = limits.window.as_secs().div_ceil(60);
        return Err(AppError::RateLimited(format!(
            "Too many failed log-in attempts. Wait {minutes} minutes and try again."
        )));
    }

    let credentials = repo::credentials_by_email(db.pool(), email.as_str()).await?;
    let (user, stored) = match credentials {
        Some(c) => (Some(c.id), Some(c.password_hash)),
        None => (None, None),
    };
    let verified = password::verify(password, stored).await?;
    match user {
        Some(user) if verified => {
            repo::clear_failed_logins(db.pool(), "email", email.as_str()).await?;
            Ok(user)
        }
        _ => {
            repo::record_failed_login(db.pool(), "ip", client_ip, now).await?;
            repo::record_failed_login(db.pool(), "email", email.as_str(), now).await?;
            Err(AppError::BadCredentials)
        }
    }
}

/// The signed-in user with their bots; `None` if the account no longer exists.
pub async fn session_view(db: &Db, user: UserId) -> Result<Option<SessionView>, AppError> {
    let Some(profile) = repo::user_profile(db.pool(), user).await? else {
        return Ok(None);
    };
    let bots = repo::memberships_of(db.pool(), user).await?;
    Ok(Some(SessionView { user_id: profile.id, name: profile.name, email: profile.email, bots }))
}
