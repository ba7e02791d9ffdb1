//! Files in the Inbox: an attachment in the thread (an image preview, or a file to download)
//! and sending files from the reply box (button, drag and drop, paste). The server checks
//! every file; this only sends it and says what went wrong.
use crate::domain::BotId;
use crate::domain::ids::ConversationId;
use crate::domain::media::{AttachmentView, size_label};
use leptos::prelude::*;

/// An attachment as the thread shows it. Links go to the server, which serves images inline
/// and everything else as a download.
#[component]
pub fn AttachmentPreview(attachment: AttachmentView) -> impl IntoView {
    let name = attachment.file_name.clone();
    let size = size_label(attachment.size_bytes);
    match attachment.thumb_url.clone() {
        Some(thumb) => view! {
            <a class="attachment image" href=attachment.url target="_blank" rel="noopener" title=format!("{name} · {size}")>
                <img src=thumb alt=name.clone() loading="lazy" data-testid="attachment-preview" />
            </a>
        }
        .into_any(),
        None => view! {
            <a class="attachment file" href=attachment.url download=name.clone() data-testid="attachment-file">
                <span aria-hidden="true">"📎 "</span>{name.clone()}<span class="muted">{format!(" · {size}")}</span>
            </a>
        }
        .into_any(),
    }
}

/// What the last file upload did: `None` while idle.
#[derive(Clone, Copy)]
pub struct UploadStatus(pub RwSignal<Option<Result<String, String>>>);

/// Sends each file as its own message; the thread shows them when they arrive (live).
#[cfg(feature = "hydrate")]
pub fn upload_files(bot: BotId, conversation: ConversationId, files: leptos::web_sys::FileList, status: UploadStatus) {
    let files: Vec<leptos::web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
    if files.is_empty() {
        return;
    }
    leptos::task::spawn_local(send_files(Upload { bot, conversation, files, status }));
}

/// Files on their way into one conversation.
#[cfg(feature = "hydrate")]
struct Upload {
    bot: BotId,
    conversation: ConversationId,
    files: Vec<leptos::web_sys::File>,
    status: UploadStatus,
}

/// The sending, behind a chunk of its own: fetched the first time someone sends a file, not
/// with every conversation a first visit opens on.
#[cfg(all(feature = "hydrate", not(test)))]
#[leptos::lazy]
async fn send_files(upload: Upload) {
    send_files_in_turn(upload).await
}

/// Unit-test builds have no chunk loader to import (wasm-bindgen-test runs one module).
#[cfg(all(feature = "hydrate", test))]
async fn send_files(upload: Upload) {
    send_files_in_turn(upload).await
}

#[cfg(feature = "hydrate")]
async fn send_files_in_turn(upload: Upload) {
    let Upload { bot, conversation, files, status } = upload;
    for file in files {
        let name = file.name();
        status.0.set(Some(Ok(format!("Sending {name}…"))));
        match upload_one(bot, conversation, &file).await {
            Ok(()) => status.0.set(None),
            Err(reason) => {
                status.0.set(Some(Err(format!("{name}: {reason}"))));
                return;
            }
        }
    }
}

#[cfg(feature = "hydrate")]
async fn upload_one(bot: BotId, conversation: ConversationId, file: &leptos::web_sys::File) -> Result<(), String> {
    use super::widgets::encode_query;
    use leptos::wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let unreachable = || crate::domain::AppError::Unreachable.to_string();
    let url = format!(
        "/media/upload/{bot}/{conversation}?name={}&key={}",
        encode_query(&file.name()),
        super::thread::new_key()
    );
    let init = leptos::web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(file.as_ref());
    let window = leptos::web_sys::window().ok_or_else(unreachable)?;
    let response = JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await.map_err(|_| unreachable())?;
    let response: leptos::web_sys::Response = response.dyn_into().map_err(|_| unreachable())?;
    if response.ok() {
        return Ok(());
    }
    // Public JSON errors are `{"error": "<what to do>"}`.
    let body = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    let reason = body
        .and_then(|body| js_sys::Reflect::get(&body, &"error".into()).ok())
        .and_then(|value| value.as_string())
        .unwrap_or_else(|| format!("The file was not sent (error {}).", response.status()));
    Err(reason)
}

/// The reply box's "Attach" button (seat holders; others see it disabled with the reason) and
/// the upload's progress or error.
#[component]
pub fn AttachButton(
    bot: BotId,
    conversation: ConversationId,
    allowed: Result<(), String>,
    status: UploadStatus,
) -> impl IntoView {
    let _ = (bot, conversation);
    let message = move || {
        status.0.get().map(|outcome| match outcome {
            Ok(progress) => view! { <p class="muted small-note" aria-live="polite">{progress}</p> }.into_any(),
            Err(reason) => {
                view! { <p class="form-error" role="alert" data-testid="upload-error">{reason}</p> }.into_any()
            }
        })
    };
    view! {
        {match allowed {
            Ok(()) => view! {
                <label class="attach small secondary button-like" title="Attach files (or drop or paste them here)">
                    "Attach"
                    <input
                        type="file"
                        multiple
                        class="sr-only"
                        data-testid="attach-input"
                        on:change=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
                                if let Some(files) = input.files() {
                                    upload_files(bot, conversation, files, status);
                                }
                                // The same file can be chosen again (after an error, say).
                                input.set_value("");
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = ev;
                        }
                    />
                </label>
            }
            .into_any(),
            Err(reason) => view! {
                <button type="button" class="small secondary" disabled=true title=reason>"Attach"</button>
            }
            .into_any(),
        }}
        {message}
    }
}
