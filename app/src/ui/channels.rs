//! Bot Settings > Channels: the website widget's embed snippet, and API channels (webhook URL,
//! signing secret shown once, outbound URL for replies).
use super::bot::use_bot_id;
use super::form_action::{FormAction, PostForm};
use super::widgets::{ActionError, Loaded, page_data};
use crate::api::inbox::{ChannelsCreateApi, ChannelsRotateSecret, ChannelsSetOutboundUrl, channels_list};
use crate::domain::AppError;
use crate::domain::BotId;
use crate::domain::inbox::{ChannelKind, ChannelSecret, ChannelView, ChannelsView};
use crate::domain::policy::{self, Actor};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct ChannelActions {
    create: FormAction,
    rotate: FormAction,
    set_url: FormAction,
}

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let actions = ChannelActions {
        create: FormAction::of::<ChannelsCreateApi>(),
        rotate: FormAction::of::<ChannelsRotateSecret>(),
        set_url: FormAction::of::<ChannelsSetOutboundUrl>(),
    };
    provide_context(actions);
    let data = page_data(
        move || (bot_id.get(), actions.create.version().get(), actions.set_url.version().get()),
        |(bot, ..)| async move {
            match bot {
                Some(bot) => channels_list(bot).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Channels · Switchboard" />
        <Loaded resource=data ok=|view: ChannelsView| view! { <Channels bot=view.bot_id actor=view.viewer channels=view.channels /> } />
    }
}

/// The page's origin in the browser; the server render shows paths.
fn origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(origin) = window().location().origin() {
            return origin;
        }
    }
    String::new()
}

#[component]
fn Channels(bot: BotId, actor: Actor, channels: Vec<ChannelView>) -> impl IntoView {
    let actions = expect_context::<ChannelActions>();
    let manage = policy::can_manage_channels(Some(&actor));
    let widget = channels.iter().find(|c| c.kind == ChannelKind::Widget).cloned();
    let apis: Vec<ChannelView> = channels.into_iter().filter(|c| c.kind == ChannelKind::Api).collect();
    let shown_secret = move || {
        actions
            .create
            .output::<ChannelSecret>()
            .or_else(|| actions.rotate.output::<ChannelSecret>())
            .map(|secret: ChannelSecret| view! {
                <div class="secret-once" role="status" data-testid="channel-secret">
                    <p>{format!("Signing secret for {} — copy it now, it is shown only once:", secret.channel.name)}</p>
                    <input type="text" readonly value=secret.secret aria-label="Signing secret" class="invite-link" />
                </div>
            })
    };
    view! {
        <section class="page channels">
            <p class="breadcrumb">"Bot Settings › Channels"</p>
            <h1>"Channels"</h1>
            {widget.map(|w| view! { <WidgetCard widget=w /> })}
            <h2>"API channels"</h2>
            <p class="muted">
                "Connect WhatsApp, Messenger or any service: it posts customer messages to the webhook URL, signed with the channel's secret, and receives agents' replies at its outbound URL. See README › API channel for the format."
            </p>
            {shown_secret}
            <ActionError value=actions.rotate.value() />
            <ActionError value=actions.set_url.value() />
            <ul class="api-channels">
                {apis.into_iter().map(|c| view! { <ApiChannel bot channel=c actor /> }).collect_view()}
            </ul>
            {match manage {
                Ok(()) => view! {
                    <details class="invite-form">
                        <summary class="button">"+ Add an API channel"</summary>
                        <PostForm action=actions.create attr:class="inline-form">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <label>"Name" <input name="name" required maxlength="60" placeholder="e.g. WhatsApp" /></label>
                            <label>"Outbound URL (receives replies)" <input name="outbound_url" type="url" required placeholder="https://connector.example.com/replies" /></label>
                            <ActionError value=actions.create.value() />
                            <button type="submit">"Create channel"</button>
                        </PostForm>
                    </details>
                }
                .into_any(),
                Err(denied) => view! { <p class="muted">{denied.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn WidgetCard(widget: ChannelView) -> impl IntoView {
    let origin = origin();
    let snippet = format!("<script src=\"{origin}/widget.js\" data-widget=\"{}\" async></script>", widget.public_id);
    let chat = format!("/chat/{}", widget.public_id);
    view! {
        <div class="card widget-card">
            <h2>"Website chat"</h2>
            <p>"Paste this line into your website, just before </body>. It adds a chat button; conversations appear in the Inbox."</p>
            <input type="text" readonly value=snippet aria-label="Embed snippet" class="invite-link" data-testid="embed-snippet" />
            <p><a href=chat.clone() target="_blank" rel="noopener">"Open the chat page"</a>" to try it."</p>
        </div>
    }
}

#[component]
fn ApiChannel(bot: BotId, channel: ChannelView, actor: Actor) -> impl IntoView {
    let actions = expect_context::<ChannelActions>();
    let hook = format!("{}/hooks/{}", origin(), channel.public_id);
    let can_manage = policy::can_manage_channels(Some(&actor)).is_ok();
    view! {
        <li class="card api-channel" data-channel=channel.public_id.clone()>
            <h3>{channel.name.clone()}</h3>
            <label>"Webhook URL" <input type="text" readonly value=hook class="invite-link" /></label>
            {if can_manage {
                view! {
                    <PostForm action=actions.set_url attr:class="inline-form">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="channel_id" value=channel.id.to_string() />
                        <label>"Outbound URL" <input name="outbound_url" type="url" value=channel.outbound_url.clone().unwrap_or_default() /></label>
                        <button type="submit" class="small secondary">"Save"</button>
                    </PostForm>
                    <PostForm action=actions.rotate attr:class="inline">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="channel_id" value=channel.id.to_string() />
                        <button type="submit" class="small danger">"Rotate secret"</button>
                    </PostForm>
                }
                .into_any()
            } else {
                view! { <p class="muted">{format!("Replies go to {}", channel.outbound_url.clone().unwrap_or_default())}</p> }.into_any()
            }}
        </li>
    }
}
