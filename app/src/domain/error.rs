//! The one application error type. Every variant maps to an HTTP status; `Internal` carries no
//! detail at all — the cause is logged on the server where it happened and never sent.
use super::policy::Denied;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "WireError", try_from = "WireError")]
pub enum AppError {
    /// 400: the request itself was malformed (not a user's typo; those are `Invalid`).
    #[error("{0}")]
    BadRequest(String),
    /// 401
    #[error("Please log in to continue.")]
    Unauthenticated,
    /// 401 at log-in: the same answer for an unknown email and a wrong password.
    #[error("That email and password don't match an account.")]
    BadCredentials,
    /// 401 on a signed endpoint (webhooks): the signature is missing, wrong or too old.
    #[error("The request signature is missing, wrong or too old.")]
    BadSignature,
    /// 402: the action needs an Inbox seat or more paid seats.
    #[error("{0}")]
    PaymentRequired(String),
    /// 403
    #[error("{0}")]
    Forbidden(String),
    /// 404
    #[error("Not found.")]
    NotFound,
    /// 409
    #[error("{0}")]
    Conflict(String),
    /// 413: the request body is over the limit for its route.
    #[error("{0}")]
    TooLarge(String),
    /// 422: a field failed validation; `field` names the form input.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// 429, answered with a `Retry-After` header of `retry_after_secs`.
    #[error("{message}")]
    RateLimited { message: String, retry_after_secs: u64 },
    /// 503: the server is at capacity for this kind of work (password hashing); try again soon.
    #[error("Switchboard is busy right now. Please try again in a few seconds.")]
    Overloaded { retry_after_secs: u64 },
    /// 500: deliberately opaque.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The browser could not reach the server (never produced by the server).
    #[error("Could not reach Switchboard. Check your connection and try again.")]
    Unreachable,
}

/// How an error crosses the wire: one flat object, `{"code": "invalid", "message": "…",
/// "field": "email"}`, the same for every kind (`field` and `retry_after_secs` only where they
/// belong). Flat, because the browser decodes it on every page: a derived enum decoder is three
/// times the code.
#[derive(Serialize, Deserialize)]
struct WireError {
    code: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u64>,
}

impl From<AppError> for WireError {
    fn from(error: AppError) -> Self {
        WireError {
            code: error.code().to_string(),
            message: error.to_string(),
            field: error.field().map(str::to_string),
            retry_after_secs: error.retry_after_secs(),
        }
    }
}

impl TryFrom<WireError> for AppError {
    type Error = String;

    fn try_from(wire: WireError) -> Result<Self, String> {
        let WireError { code, message, field, retry_after_secs } = wire;
        let retry_after_secs = retry_after_secs.unwrap_or(1);
        Ok(match code.as_str() {
            "bad_request" => AppError::BadRequest(message),
            "unauthenticated" => AppError::Unauthenticated,
            "bad_credentials" => AppError::BadCredentials,
            "bad_signature" => AppError::BadSignature,
            "payment_required" => AppError::PaymentRequired(message),
            "forbidden" => AppError::Forbidden(message),
            "not_found" => AppError::NotFound,
            "conflict" => AppError::Conflict(message),
            "too_large" => AppError::TooLarge(message),
            "invalid" => AppError::Invalid { field: field.unwrap_or_default(), message },
            "rate_limited" => AppError::RateLimited { message, retry_after_secs },
            "overloaded" => AppError::Overloaded { retry_after_secs },
            "internal" => AppError::Internal,
            "unreachable" => AppError::Unreachable,
            _ => return Err(format!("unknown error code {code}")),
        })
    }
}

impl AppError {
    /// The error's kind on the wire (`WireError::code`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::BadSignature => "bad_signature",
            AppError::PaymentRequired(_) => "payment_required",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::Invalid { .. } => "invalid",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Overloaded { .. } => "overloaded",
            AppError::Internal => "internal",
            AppError::Unreachable => "unreachable",
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.to_string(), message: message.into() }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthenticated | AppError::BadCredentials | AppError::BadSignature => 401,
            AppError::PaymentRequired(_) => 402,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::TooLarge(_) => 413,
            AppError::Invalid { .. } => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Internal => 500,
            AppError::Overloaded { .. } | AppError::Unreachable => 503,
        }
    }

    /// A rate limit hit: `message` says what to do, `retry_after` when.
    pub fn rate_limited(message: impl Into<String>, retry_after: std::time::Duration) -> Self {
        AppError::RateLimited { message: message.into(), retry_after_secs: retry_after.as_secs().max(1) }
    }

    /// Seconds the client should wait before retrying (the `Retry-After` header), if any.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs, .. } | AppError::Overloaded { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// The form field this error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            // Answer like a missing record, so one tenant cannot probe another's ids.
            Denied::NotMember => AppError::NotFound,
            Denied::RoleLacks { .. }
            | Denied::NotSeatEligible { .. }
            | Denied::OwnerOnly
            | Denied::RoleAboveYours { .. }
            | Denied::OutranksYou => AppError::Forbidden(denied.to_string()),
            Denied::SeatRequired { .. } | Denied::NoFreeSeats => AppError::PaymentRequired(denied.to_string()),
            Denied::LastOwner
            | Denied::NextPeriodFull { .. }
            | Denied::CannotBeAssigned { .. }
            | Denied::HoldsConversations { .. } => AppError::Conflict(denied.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::BadRequest("The request was malformed.".into())
            }
            ServerFnErrorErr::Request(_) => AppError::Unreachable,
            // Everything else is a framework fault: opaque to the user.
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    use crate::domain::Role;
    use crate::domain::policy::InboxAction;
    use crate::domain::role::Permission;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn denials_map_to_distinct_statuses() {
        assert_eq!(AppError::from(Denied::NotMember).status(), 404);
        let lacks = Denied::RoleLacks { role: Role::Agent, permission: Permission::ManageTeam };
        assert_eq!(AppError::from(lacks).status(), 403);
        let seat = Denied::SeatRequired { action: InboxAction::Reply };
        assert_eq!(AppError::from(seat).status(), 402);
        assert_eq!(AppError::from(Denied::NoFreeSeats).status(), 402);
        assert_eq!(AppError::from(Denied::LastOwner).status(), 409);
        assert_eq!(AppError::from(Denied::NotSeatEligible { role: Role::Viewer }).status(), 403);
    }

    #[test]
    fn every_error_crosses_the_wire_as_one_flat_object_and_comes_back_the_same() {
        let every = [
            AppError::BadRequest("The request was malformed.".into()),
            AppError::Unauthenticated,
            AppError::BadCredentials,
            AppError::BadSignature,
            AppError::PaymentRequired("You need an Inbox seat.".into()),
            AppError::Forbidden("Not for your role.".into()),
            AppError::NotFound,
            AppError::Conflict("Taken.".into()),
            AppError::TooLarge("Too big.".into()),
            AppError::invalid("email", "Enter an email address."),
            AppError::RateLimited { message: "Slow down.".into(), retry_after_secs: 30 },
            AppError::Overloaded { retry_after_secs: 2 },
            AppError::Internal,
            AppError::Unreachable,
        ];
        for error in every {
            // A new kind fails to compile here until it is listed above (and so tested).
            match &error {
                AppError::BadRequest(_)
                | AppError::Unauthenticated
                | AppError::BadCredentials
                | AppError::BadSignature
                | AppError::PaymentRequired(_)
                | AppError::Forbidden(_)
                | AppError::NotFound
                | AppError::Conflict(_)
                | AppError::TooLarge(_)
                | AppError::Invalid { .. }
                | AppError::RateLimited { .. }
                | AppError::Overloaded { .. }
                | AppError::Internal
                | AppError::Unreachable => {}
            }
            let json = serde_json::to_string(&error).unwrap();
            assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), error, "{json}");
        }
        assert_eq!(
            serde_json::to_string(&AppError::invalid("email", "Enter an email address.")).unwrap(),
            r#"{"code":"invalid","message":"Enter an email address.","field":"email"}"#
        );
        assert_eq!(
            serde_json::to_string(&AppError::NotFound).unwrap(),
            r#"{"code":"not_found","message":"Not found."}"#
        );
        assert!(serde_json::from_str::<AppError>(r#"{"code":"teapot","message":"?"}"#).is_err());
    }

    #[test]
    fn internal_says_nothing_specific() {
        assert_eq!(AppError::Internal.to_string(), "Something went wrong on our side. Please try again.");
    }

    #[test]
    fn framework_argument_errors_are_bad_requests() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(err.status(), 400);
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Response("sql".into()));
        assert_eq!(err, AppError::Internal);
    }
}
