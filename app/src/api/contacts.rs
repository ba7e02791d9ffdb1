//! Contacts' server functions: thin adapters over `services::contacts`.
use crate::domain::contacts::{ContactDetail, ContactsPage};
use crate::domain::deferred::Deferred;
use crate::domain::ids::ContactId;
use crate::domain::{AppError, BotId};
use leptos::prelude::*;

/// `q`: part of a name, email or phone; `after`: the page cursor.
#[server(prefix = "/api", endpoint = "contacts/list")]
pub async fn contacts_list(
    bot_id: BotId,
    q: Option<String>,
    after: Option<String>,
) -> Result<Deferred<ContactsPage>, AppError> {
    use crate::server::{context, services::contacts};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&contacts::list(&state.db, user, bot_id, q.as_deref().unwrap_or_default(), after.as_deref()).await?)
}

/// `find`: contacts to offer for merging with this one.
#[server(prefix = "/api", endpoint = "contacts/detail")]
pub async fn open_contact(
    bot_id: BotId,
    contact_id: ContactId,
    find: Option<String>,
) -> Result<Deferred<ContactDetail>, AppError> {
    use crate::server::{context, services::contacts};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&contacts::detail(&state.db, user, bot_id, contact_id, find.as_deref().unwrap_or_default()).await?)
}

/// Merges `contact_id` into `into` (the same person); returns the contact that remains.
#[server(prefix = "/api", endpoint = "contacts/merge")]
pub async fn merge_contacts(bot_id: BotId, contact_id: ContactId, into: ContactId) -> Result<ContactId, AppError> {
    use crate::server::{context, services::contacts};
    let (state, user) = context::signed_in_user().await?;
    contacts::merge(&state.db, &state.hub, user, bot_id, contact_id, into).await
}

/// A custom attribute of the contact; an empty `value` removes it.
#[server(prefix = "/api", endpoint = "contacts/attribute")]
pub async fn contact_attribute(
    bot_id: BotId,
    contact_id: ContactId,
    key: String,
    value: String,
) -> Result<(), AppError> {
    use crate::server::{context, services::contacts};
    let (state, user) = context::signed_in_user().await?;
    contacts::set_attribute(&state.db, &state.hub, user, bot_id, contact_id, &key, &value).await
}
