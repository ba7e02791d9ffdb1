use crate::domain::input::{Email, NewPassword, PersonName};
use crate::domain::views::SessionView;
use crate::domain::{AppError, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::rate_limit::{self, Bucket};
use crate::server::state::Limits;
use crate::server::{password, repo};

/// Creates an account. The caller has already counted the attempt against the sign-up limit
/// (`rate_limit`), before any hashing. An email already in use is said plainly: sign-up is
/// rate-limited per address, and without email delivery there is no quieter honest answer.
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
/// work). Each attempt is counted *before* the password is checked — per address and email,
/// per address, per email — so parallel guesses meet the limits too; a successful log-in
/// gives its count back.
pub async fn log_in(
    db: &Db,
    limits: &Limits,
    client_ip: &str,
    email: &str,
    password: String,
) -> Result<UserId, AppError> {
    let email = Email::parse(email)?;
    let buckets = [
        (
            Bucket::LogInFromAddressAsEmail { address: client_ip, email: email.as_str() },
            limits.log_in_per_address_and_email,
        ),
        (Bucket::LogInFromAddress(client_ip), limits.log_in_per_address),
        (Bucket::LogInAsEmail(email.as_str()), limits.log_in_per_email),
    ];
    for (bucket, limit) in buckets {
        rate_limit::take(db, bucket, limit, "Too many failed log-in attempts.").await?;
    }

    let credentials = repo::credentials_by_email(db.pool(), email.as_str()).await?;
    let (user, stored) = match credentials {
        Some(c) => (Some(c.id), Some(c.password_hash)),
        None => (None, None),
    };
    let verified = password::verify(password, stored).await?;
    match user {
        Some(user) if verified => {
            rate_limit::clear(db, buckets[0].0).await?;
            for (bucket, _) in &buckets[1..] {
                rate_limit::refund(db, *bucket).await?;
            }
            Ok(user)
        }
        _ => Err(AppError::BadCredentials),
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
