//! Tags in the UI: the coloured chip, the tag editor of a conversation (type a new name to
//! create one), and the Inbox's Tags page (create, rename, recolour, merge, delete).
use super::bot::use_bot_id;
use super::form_action::{FormAction, PostForm};
use super::widgets::{ActionError, Loaded, page_data};
use crate::api::tags::{ApplyTag, CreateTag, DeleteTag, EditTag, MergeTags, Untag, tags_overview};
use crate::domain::ids::{ConversationId, TagId};
use crate::domain::tags::{TAG_NAME_MAX, TagColor, TagUsage, TagView, TagsView};
use crate::domain::text::count;
use crate::domain::{AppError, BotId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// A tag as a coloured label (text only).
#[component]
pub fn TagChip(tag: TagView) -> impl IntoView {
    let name = tag.name.clone();
    view! { <span class=format!("tag tag-{}", tag.color.code()) data-tag=name>{tag.name}</span> }
}

/// The tags of one conversation: remove one with its ×, add one by typing (a name the bot does
/// not have yet creates it). Seatless viewers see the tags and the reason they cannot edit.
#[component]
pub fn ConversationTags(
    bot: BotId,
    conversation: ConversationId,
    tags: Vec<TagView>,
    offered: Vec<TagView>,
    allowed: Result<(), String>,
) -> impl IntoView {
    let apply = FormAction::of::<ApplyTag>();
    let untag = FormAction::of::<Untag>();
    let list_id = format!("tag-options-{conversation}");
    let on: Vec<TagId> = tags.iter().map(|t| t.id).collect();
    let offered: Vec<TagView> = offered.into_iter().filter(|t| !on.contains(&t.id)).collect();
    let can_edit = allowed.is_ok();
    view! {
        <div class="conversation-tags" role="group" aria-label="Tags">
            {tags.into_iter().map(|tag| {
                let remove_label = format!("Remove tag {}", tag.name);
                let id = tag.id;
                view! {
                    <span class="tag-with-remove">
                        <TagChip tag />
                        {can_edit.then(|| view! {
                            <PostForm action=untag attr:class="inline">
                                <input type="hidden" name="bot_id" value=bot.to_string() />
                                <input type="hidden" name="conversation_id" value=conversation.to_string() />
                                <input type="hidden" name="tag_id" value=id.to_string() />
                                <button type="submit" class="tag-remove" aria-label=remove_label.clone() title=remove_label>"×"</button>
                            </PostForm>
                        })}
                    </span>
                }
            }).collect_view()}
            {match allowed {
                Ok(()) => view! {
                    <PostForm action=apply attr:class="inline add-tag">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="conversation_id" value=conversation.to_string() />
                        <input name="name" list=list_id.clone() required maxlength=TAG_NAME_MAX.to_string()
                            placeholder="Add tag…" aria-label="Add a tag" autocomplete="off" />
                        <datalist id=list_id>
                            {offered.into_iter().map(|t| view! { <option value=t.name /> }).collect_view()}
                        </datalist>
                        <button type="submit" class="small secondary">"Tag"</button>
                    </PostForm>
                }
                .into_any(),
                Err(reason) => view! {
                    <button type="button" class="small secondary" disabled=true title=reason.clone()>"Tag"</button>
                    <span class="muted small-note">{reason}</span>
                }
                .into_any(),
            }}
        </div>
        <ActionError value=apply.value() />
        <ActionError value=untag.value() />
    }
}

#[derive(Clone, Copy)]
struct TagsActions {
    create: FormAction,
    edit: FormAction,
    merge: FormAction,
    delete: FormAction,
}

/// Inbox › Tags.
#[component]
pub fn TagsPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let actions = TagsActions {
        create: FormAction::of::<CreateTag>(),
        edit: FormAction::of::<EditTag>(),
        merge: FormAction::of::<MergeTags>(),
        delete: FormAction::of::<DeleteTag>(),
    };
    provide_context(actions);
    let data = page_data(
        move || {
            (
                bot_id.get(),
                actions.create.version().get(),
                actions.edit.version().get(),
                actions.merge.version().get(),
                actions.delete.version().get(),
            )
        },
        |(bot, ..)| async move {
            match bot {
                Some(bot) => tags_overview(bot).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Tags · Switchboard" />
        {move || bot_id.get().map(|bot| view! { <Tags bot data /> })}
    }
}

#[component]
fn Tags(bot: BotId, data: super::widgets::PageData<TagsView>) -> impl IntoView {
    let actions = expect_context::<TagsActions>();
    view! {
        <section class="page tags-page">
            <p class="crumbs"><A href=format!("/bots/{bot}/inbox")>"← Inbox"</A></p>
            <h1>"Tags"</h1>
            <ActionError value=actions.edit.value() />
            <ActionError value=actions.merge.value() />
            <ActionError value=actions.delete.value() />
            <Loaded resource=data ok=move |view: TagsView| {
                let all: Vec<TagView> = view.tags.iter().map(|u| u.tag.clone()).collect();
                let can_edit = view.cannot_edit.is_none();
                view! {
                    {view.cannot_edit.clone().map(|reason| view! { <p class="notice" data-testid="tags-reason">{reason}</p> })}
                    {view.tags.is_empty().then(|| view! { <p class="muted">"No tags yet. Tag a conversation, or create one here."</p> })}
                    <table class="tags-table">
                        <thead>
                            <tr><th>"Tag"</th><th>"Conversations"</th>{can_edit.then(|| view! { <th>"Change"</th> })}</tr>
                        </thead>
                        <tbody>
                            {view.tags.into_iter().map(|usage| view! { <TagRow bot usage all=all.clone() can_edit /> }).collect_view()}
                        </tbody>
                    </table>
                    {can_edit.then(|| view! {
                        <PostForm action=actions.create attr:class="inline-form">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <label>"New tag" <input name="name" required maxlength=TAG_NAME_MAX.to_string() placeholder="e.g. Refund" /></label>
                            <ColorSelect selected=None />
                            <ActionError value=actions.create.value() />
                            <button type="submit">"Create tag"</button>
                        </PostForm>
                    })}
                }
            } />
        </section>
    }
}

#[component]
fn ColorSelect(selected: Option<TagColor>) -> impl IntoView {
    view! {
        <label>
            "Colour "
            <select name="color">
                {selected.is_none().then(|| view! { <option value="">"Any"</option> })}
                {TagColor::ALL.iter().map(|c| view! {
                    <option value=c.code() selected=selected == Some(*c)>{c.label()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn TagRow(bot: BotId, usage: TagUsage, all: Vec<TagView>, can_edit: bool) -> impl IntoView {
    let actions = expect_context::<TagsActions>();
    let tag = usage.tag.clone();
    let id = tag.id;
    let uses = count(usage.conversations, "conversation", "conversations");
    let others: Vec<TagView> = all.into_iter().filter(|t| t.id != id).collect();
    let confirming = RwSignal::new(false);
    let confirm_text = format!(
        "Delete {}? It is removed from {}.",
        tag.name,
        if usage.conversations == 0 { "no conversation".to_string() } else { uses.clone() }
    );
    let row_name = tag.name.clone();
    let chip = tag.clone();
    let name_label = format!("Name of {}", tag.name);
    let merge_label = format!("Merge {} into", tag.name);
    let (name, color) = (tag.name.clone(), tag.color);
    view! {
        <tr data-tag-row=row_name>
            <td><TagChip tag=chip /></td>
            <td>{uses}</td>
            {can_edit.then(move || view! {
                <td class="tag-changes">
                    <PostForm action=actions.edit attr:class="inline">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="tag_id" value=id.to_string() />
                        <input name="name" value=name required maxlength=TAG_NAME_MAX.to_string() aria-label=name_label />
                        <ColorSelect selected=Some(color) />
                        <button type="submit" class="small">"Save"</button>
                    </PostForm>
                    {(!others.is_empty()).then(|| view! {
                        <PostForm action=actions.merge attr:class="inline">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <input type="hidden" name="tag_id" value=id.to_string() />
                            <select name="into" aria-label=merge_label>
                                {others.iter().map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                            </select>
                            <button type="submit" class="small secondary">"Merge into"</button>
                        </PostForm>
                    })}
                    {move || if confirming.get() {
                        view! {
                            <span class="confirm" role="alertdialog" aria-label="Confirm delete">
                                <span>{confirm_text.clone()}</span>
                                <PostForm action=actions.delete attr:class="inline">
                                    <input type="hidden" name="bot_id" value=bot.to_string() />
                                    <input type="hidden" name="tag_id" value=id.to_string() />
                                    <input type="hidden" name="conversations" value=usage.conversations.to_string() />
                                    <button type="submit" class="small danger">"Delete"</button>
                                </PostForm>
                                <button type="button" class="small secondary" on:click=move |_| confirming.set(false)>"Cancel"</button>
                            </span>
                        }
                        .into_any()
                    } else {
                        view! {
                            <button type="button" class="small secondary" on:click=move |_| confirming.set(true)>"Delete…"</button>
                        }
                        .into_any()
                    }}
                </td>
            })}
        </tr>
    }
}
