//! Tags' server functions: thin adapters over `services::tags`.
use crate::domain::deferred::Deferred;
use crate::domain::ids::{ConversationId, TagId};
use crate::domain::tags::{TagColor, TagView, TagsView};
use crate::domain::{AppError, BotId};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "tags/overview")]
pub async fn tags_overview(bot_id: BotId) -> Result<Deferred<TagsView>, AppError> {
    use crate::server::{context, services::tags};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&tags::overview(&state.db, user, bot_id).await?)
}

/// `color` empty: one is chosen from the name.
#[server(prefix = "/api", endpoint = "tags/create")]
pub async fn create_tag(bot_id: BotId, name: String, color: Option<TagColor>) -> Result<TagView, AppError> {
    use crate::server::{context, services::tags};
    let (state, user) = context::signed_in_user().await?;
    tags::create(&state.db, user, bot_id, &name, color).await
}

/// Tags a conversation by name; a new name creates the tag.
#[server(prefix = "/api", endpoint = "tags/apply")]
pub async fn apply_tag(bot_id: BotId, conversation_id: ConversationId, name: String) -> Result<TagView, AppError> {
    use crate::server::{context, services::tags};
    let (state, user) = context::signed_in_user().await?;
    tags::apply_by_name(&state.db, &state.hub, user, bot_id, conversation_id, &name).await
}

#[server(prefix = "/api", endpoint = "tags/untag")]
pub async fn untag(bot_id: BotId, conversation_id: ConversationId, tag_id: TagId) -> Result<(), AppError> {
    use crate::server::{context, services::tags};
    let (state, user) = context::signed_in_user().await?;
    tags::set_on_conversation(&state.db, &state.hub, user, bot_id, conversation_id, tag_id, false).await
}

#[server(prefix = "/api", endpoint = "tags/edit")]
pub async fn edit_tag(bot_id: BotId, tag_id: TagId, name: String, color: TagColor) -> Result<(), AppError> {
    use crate::server::{context, services::tags};
    let (state, user) = context::signed_in_user().await?;
    tags::edit(&state.db, &state.hub, user, bot_id, tag_id, &name, color).await
}

/// `conversations`: how many the confirmation said it would remove the tag from.
#[server(prefix = "/api", endpoint = "tags/delete")]
pub async fn delete_tag(bot_id: BotId, tag_id: TagId, conversations: i64) -> Result<(), AppError> {
    use crate::server::{context, services::tags};
    let (state, user) = context::signed_in_user().await?;
    tags::delete(&state.db, &state.hub, user, bot_id, tag_id, conversations).await
}

#[server(prefix = "/api", endpoint = "tags/merge")]
pub async fn merge_tags(bot_id: BotId, tag_id: TagId, into: TagId) -> Result<(), AppError> {
    use crate::server::{context, services::tags};
    let (state, user) = context::signed_in_user().await?;
    tags::merge(&state.db, &state.hub, user, bot_id, tag_id, into).await
}
