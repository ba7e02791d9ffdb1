//! The customer's chat page at `/chat/{widget}`, embedded by businesses in an iframe. Rendered
//! by Leptos on the server with no hydration: its behaviour is a small script
//! (`style/widget-chat.js`), so a customer on a phone loads a few kilobytes, not the
//! dashboard's WebAssembly. Everything the customer or agents wrote is inserted as text.
use leptos::prelude::*;

#[component]
fn ChatPage(widget: String, bot_name: String) -> impl IntoView {
    let title = if bot_name.is_empty() { "Chat".to_string() } else { format!("Chat with {bot_name}") };
    view! {
        <main class="chat" data-widget=widget>
            <header class="chat-head">
                <h1>{title}</h1>
                <p class="chat-status" data-testid="chat-status" aria-live="polite"></p>
            </header>
            <ol class="chat-log" aria-live="polite" aria-label="Messages"></ol>
            <p class="chat-typing" aria-live="polite"></p>
            <form class="chat-intro" hidden>
                <p>"Tell us who you are (optional), then write your message."</p>
                <label>"Your name" <input name="name" maxlength="80" autocomplete="name" /></label>
                <label>"Email" <input name="email" type="email" maxlength="254" autocomplete="email" /></label>
            </form>
            <form class="chat-compose">
                <label class="sr-only" for="chat-text">"Message"</label>
                <textarea id="chat-text" name="text" rows="2" maxlength="4000" placeholder="Write a message…" required></textarea>
                <label class="chat-attach" title="Attach a photo or a file">
                    <span aria-hidden="true">"📎"</span>
                    <span class="sr-only">"Attach a photo or a file"</span>
                    <input class="chat-file" type="file" multiple
                        accept="image/*,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.rtf,.txt,audio/*,video/*" />
                </label>
                <button type="submit">"Send"</button>
            </form>
            <button type="button" class="chat-handover">"Talk to a person"</button>
            <noscript><p>"This chat needs JavaScript."</p></noscript>
        </main>
    }
}

/// The whole HTML document of the chat page.
pub fn chat_page_html(widget: &str, bot_name: &str) -> String {
    let owner = Owner::new();
    let body = owner.with(|| view! { <ChatPage widget=widget.to_string() bot_name=bot_name.to_string() /> }.to_html());
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Chat</title><link rel=\"stylesheet\" href=\"/widget/chat.css\">\
         <script src=\"/widget/chat.js\" defer></script></head><body>{body}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_the_bot_name() {
        let html = chat_page_html("abc", "<script>alert(1)</script>");
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("data-widget=\"abc\""));
    }
}
