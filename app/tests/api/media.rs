//! Files on a real database and a real media folder: seat holders send them, visitors send
//! them from the widget and connectors inline in webhooks; every file is checked by content
//! before anything is stored; files are served to the bot's members and to holders of a
//! signed link only; a reply's file reaches the API channel as a signed link.
use crate::inbox::{Inbox, key};
use crate::support::*;
use app::domain::AppError;
use app::domain::Role;
use app::domain::ids::{AttachmentId, ConversationId};
use app::domain::inbox::{Delivery, Scope, StatusFilter};
use app::domain::media::MediaType;
use app::domain::tags::TagFilter;
use app::server::media::Variant;
use app::server::services::media::{self, Requester};
use app::server::services::{channels, inbox, intake};

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

fn png_start(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    out
}

/// A real PNG (stored, not deflated), built by hand so the test needs no image library.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &d in data {
            a = (a + u32::from(d)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend([(x * 7) as u8, (y * 5) as u8, 200]);
        }
    }
    // zlib, uncompressed blocks of at most 65,535 bytes.
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (n, block) in blocks.iter().enumerate() {
        z.push(u8::from(n + 1 == blocks.len()));
        z.extend((block.len() as u16).to_le_bytes());
        z.extend((!(block.len() as u16)).to_le_bytes());
        z.extend(*block);
    }
    z.extend(adler32(&raw).to_be_bytes());
    let mut out = png_start(w, h);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG header claiming `w` × `h` and no pixels: a "pixel bomb".
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = png_start(w, h);
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x03, 0x00]);
    chunk(&mut out, b"IEND", &[]);
    out
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn link_parts(url: &str) -> (i64, String) {
    let query = url.split_once('?').unwrap().1;
    let mut exp = 0;
    let mut sig = String::new();
    for pair in query.split('&') {
        match pair.split_once('=').unwrap() {
            ("exp", v) => exp = v.parse().unwrap(),
            ("sig", v) => sig = v.to_string(),
            _ => {}
        }
    }
    (exp, sig)
}

/// The signature with its last hex digit changed (never equal to it).
fn altered(sig: &str) -> String {
    let last = if sig.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &sig[..sig.len() - 1])
}

async fn stored_files(i: &Inbox) -> i64 {
    i.count("SELECT COUNT(*) FROM attachments").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seat_holder_sends_a_file_once_and_only_the_bots_members_can_open_it() {
    let i = Inbox::new().await;
    let c = i.customer_says("m1", "ada", "Can you send the invoice?", true).await;
    let file = media::store(&i.media, "../Invoice 4411.pdf", PDF.to_vec(), 1 << 20).await.unwrap();
    assert_eq!(file.media_type, MediaType::Pdf);
    assert_eq!(file.file_name.as_str(), "Invoice 4411.pdf", "a name is data, never a path");
    let k = key();
    let sent = inbox::send_file(i.db(), &i.hub, i.owner, i.bot, c, &file, &k).await.unwrap();
    let attachment = sent.attachment.clone().expect("the message carries the file");
    assert_eq!(attachment.url, format!("/media/{}", attachment.id));
    assert!(attachment.thumb_url.is_none(), "only images have previews");
    assert_eq!(sent.delivery, Delivery::Pending, "on an API channel the file goes through the outbox");
    // A retry with the same key stores nothing new.
    let again = inbox::send_file(i.db(), &i.hub, i.owner, i.bot, c, &file, &k).await.unwrap();
    assert_eq!(again.id, sent.id);
    assert_eq!(again.attachment.as_ref().map(|a| a.id), Some(attachment.id));
    assert_eq!(stored_files(&i).await, 1);
    let page = inbox::list(i.db(), i.owner, i.bot, StatusFilter::All, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(page.rows[0].preview, "📎 Invoice 4411.pdf");
    let thread = inbox::thread(i.db(), i.owner, i.bot, c, None).await.unwrap();
    assert_eq!(thread.messages.last().unwrap().attachment, Some(attachment.clone()));

    let served =
        media::serve(i.db(), &i.media, Requester::User(i.owner), attachment.id, Variant::Original).await.unwrap();
    assert_eq!(served.bytes().await.unwrap(), PDF);
    assert_eq!(served.media_type, MediaType::Pdf);
    assert_eq!(served.file_name, "Invoice 4411.pdf");
    // Viewers may open files; another bot's owner and anonymous callers get "not found".
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    assert!(media::serve(i.db(), &i.media, Requester::User(vic), attachment.id, Variant::Original).await.is_ok());
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    for who in [Requester::User(stranger), Requester::Nobody] {
        let err = media::serve(i.db(), &i.media, who, attachment.id, Variant::Original).await.err().unwrap();
        assert_eq!(err, AppError::NotFound);
    }
    assert_eq!(
        media::serve(i.db(), &i.media, Requester::User(i.owner), AttachmentId(9999), Variant::Original).await.err(),
        Some(AppError::NotFound)
    );
    assert_eq!(
        media::serve(i.db(), &i.media, Requester::User(i.owner), attachment.id, Variant::Thumbnail).await.err(),
        Some(AppError::NotFound),
        "a PDF has no preview"
    );

    // Seatless members and viewers send nothing; another bot's conversation is not found.
    let (sam, _) = member(i.db(), i.bot, "Sam Seatless", Role::Agent).await;
    assert_eq!(inbox::may_send_file(i.db(), sam, i.bot).await.unwrap_err().status(), 402);
    assert_eq!(inbox::may_send_file(i.db(), vic, i.bot).await.unwrap_err().status(), 403);
    assert_eq!(inbox::send_file(i.db(), &i.hub, sam, i.bot, c, &file, &key()).await.unwrap_err().status(), 402);
    assert_eq!(inbox::send_file(i.db(), &i.hub, vic, i.bot, c, &file, &key()).await.unwrap_err().status(), 403);
    let err = inbox::send_file(i.db(), &i.hub, stranger, other_bot, c, &file, &key()).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
    assert_eq!(stored_files(&i).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn files_are_checked_by_content_before_anything_is_stored() {
    let i = Inbox::new().await;
    let cases: [(&str, Vec<u8>, u16, &str); 5] = [
        ("cat.png", b"<!DOCTYPE html><html><script>alert(document.cookie)</script>".to_vec(), 422, "HTML"),
        ("logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(), 422, "SVG"),
        ("big.txt", vec![b'a'; 1001], 413, "at most"),
        ("bomb.png", png_bomb(100_000, 100_000), 422, "100000 × 100000"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(), 422, "can't be sent"),
    ];
    for (name, bytes, status, says) in cases {
        let err = media::store(&i.media, name, bytes, 1000).await.unwrap_err();
        assert_eq!(err.status(), status, "{name}: {err}");
        assert!(err.to_string().contains(says), "{name}: {err}");
    }
    // Exactly at the limit is fine, and its bytes are in the store under their hash.
    let ok = media::store(&i.media, "ok.txt", vec![b'a'; 1000], 1000).await.unwrap();
    assert_eq!(i.media.get(&ok.content_name).unwrap(), Some(vec![b'a'; 1000]));
    assert_eq!(stored_files(&i).await, 0, "storing bytes attaches nothing by itself");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visitor_sends_a_photo_and_only_their_signed_link_opens_it() {
    let i = Inbox::new().await;
    let widget = channels::ensure_widget(i.db(), i.bot).await.unwrap();
    let ada = intake::widget_start(i.db(), &widget.public_id, Some("Ada"), None).await.unwrap();
    let bob = intake::widget_start(i.db(), &widget.public_id, Some("Bob"), None).await.unwrap();
    let photo = png(640, 480);
    let sent = intake::widget_upload(
        i.db(),
        &i.hub,
        &i.sink(),
        &widget.public_id,
        &ada.token,
        "IMG_0001.PNG",
        photo.clone(),
        &key(),
    )
    .await
    .unwrap();
    let file = sent.message.attachment.clone().unwrap();
    let thumb_url = file.thumb_url.clone().expect("a photo has a preview");
    let (exp, sig) = link_parts(&file.url);
    let link = Requester::Link { expires_s: exp, sig: &sig };
    let served = media::serve(i.db(), &i.media, link, file.id, Variant::Original).await.unwrap();
    assert_eq!(served.bytes().await.unwrap(), photo);
    let (texp, tsig) = link_parts(&thumb_url);
    let thumb =
        media::serve(i.db(), &i.media, Requester::Link { expires_s: texp, sig: &tsig }, file.id, Variant::Thumbnail)
            .await
            .unwrap();
    assert_eq!(thumb.media_type, MediaType::Jpeg);
    assert!(thumb.bytes().await.unwrap().len() < photo.len());
    // A link for the original does not open the preview, an altered one opens nothing, and
    // the link never opened another file.
    for (variant, exp, sig) in [
        (Variant::Thumbnail, exp, sig.clone()),
        (Variant::Original, exp + 1, sig.clone()),
        (Variant::Original, exp, altered(&sig)),
    ] {
        let who = Requester::Link { expires_s: exp, sig: &sig };
        assert_eq!(media::serve(i.db(), &i.media, who, file.id, variant).await.err(), Some(AppError::NotFound));
    }
    // Bob's chat shows nothing of Ada's.
    let bobs = intake::widget_state(i.db(), &widget.public_id, &bob.token).await.unwrap();
    assert!(bobs.messages.is_empty());
    // The agent sees the photo with member links.
    let c = ConversationId(sent.conversation_id);
    let thread = inbox::thread(i.db(), i.owner, i.bot, c, None).await.unwrap();
    let seen = thread.messages.iter().find_map(|m| m.attachment.clone()).unwrap();
    assert_eq!(seen.thumb_url, Some(format!("/media/{}/thumb", seen.id)));
    // Ada's own chat shows it again after a reload, with fresh signed links.
    let state = intake::widget_state(i.db(), &widget.public_id, &ada.token).await.unwrap();
    assert!(state.messages[0].attachment.as_ref().unwrap().url.contains("sig="));

    // A refused file records nothing; a forged token sends nothing.
    let before = i.count("SELECT COUNT(*) FROM messages").await;
    let html = b"<html><body onload=alert(1)>".to_vec();
    let err = intake::widget_upload(i.db(), &i.hub, &i.sink(), &widget.public_id, &ada.token, "x.png", html, &key())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 422);
    let forged = format!("{}x", &bob.token[..bob.token.len() - 1]);
    let err = intake::widget_upload(i.db(), &i.hub, &i.sink(), &widget.public_id, &forged, "a.png", png(2, 2), &key())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403);
    assert_eq!(i.count("SELECT COUNT(*) FROM messages").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connector_sends_a_file_inline_once() {
    use base64::Engine;
    let i = Inbox::new().await;
    let data = base64::engine::general_purpose::STANDARD.encode(png(20, 10));
    let body = serde_json::json!({
        "message_id": "wamid.photo", "contact": {"id": "+4915100000001"}, "handover": true,
        "attachment": {"file_name": "photo.png", "data_base64": data},
    });
    let first = i.deliver(&body).await.unwrap();
    let again = i.deliver(&body).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message_id, first.message_id);
    assert_eq!(stored_files(&i).await, 1);
    let thread = inbox::thread(i.db(), i.owner, i.bot, ConversationId(first.conversation_id), None).await.unwrap();
    let file = thread.messages[0].attachment.clone().unwrap();
    assert_eq!((file.file_name.as_str(), file.media_type), ("photo.png", MediaType::Png));

    let bad = serde_json::json!({
        "message_id": "wamid.bad", "contact": {"id": "+4915100000001"},
        "attachment": {"file_name": "x.png", "data_base64": "not base64!"},
    });
    assert_eq!(i.deliver(&bad).await.unwrap_err().status(), 422);
    let empty = serde_json::json!({"message_id": "wamid.empty", "contact": {"id": "+4915100000001"}});
    assert_eq!(i.deliver(&empty).await.unwrap_err().status(), 422);
    assert_eq!(stored_files(&i).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_with_a_file_reaches_the_api_channel_as_a_signed_expiring_link() {
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<serde_json::Value>::new()));
    let receiver = {
        let received = received.clone();
        axum::Router::new().route(
            "/replies",
            axum::routing::post(move |body: axum::body::Bytes| {
                let received = received.clone();
                async move {
                    received.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
                    axum::http::StatusCode::OK
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/replies", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let i = Inbox::new().await;
    channels::set_outbound_url(i.db(), i.owner, i.bot, i.api.channel.id, &url).await.unwrap();
    let c = i.customer_says("m1", "+49151", "Photo of the parcel please", true).await;
    let worker = app::server::outbox::Worker {
        db: i.db().clone(),
        hub: i.hub.clone(),
        signal: i.hub.outbox_signal(),
        base_backoff_ms: 100,
        poll: std::time::Duration::from_millis(50),
        public_url: "https://inbox.example.com".into(),
        send_timeout: app::server::outbox::SEND_TIMEOUT,
    }
    .spawn();
    let file = media::store(&i.media, "parcel.png", png(64, 64), 1 << 20).await.unwrap();
    let sent = inbox::send_file(i.db(), &i.hub, i.owner, i.bot, c, &file, &key()).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while received.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "not delivered in time");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.abort();
    let body = received.lock().unwrap()[0].clone();
    assert_eq!(body["message_id"], sent.id.0);
    assert_eq!(body["attachment"]["file_name"], "parcel.png");
    assert_eq!(body["attachment"]["content_type"], "image/png");
    let link = body["attachment"]["url"].as_str().unwrap();
    let path = link.strip_prefix("https://inbox.example.com").expect("an absolute link on the public URL");
    let (exp, sig) = link_parts(path);
    let now_s = app::server::db::now_ms() / 1000;
    assert!(exp > now_s && exp <= now_s + 24 * 3600 + 5, "expires within a day");
    let id = sent.attachment.unwrap().id;
    let served = media::serve(i.db(), &i.media, Requester::Link { expires_s: exp, sig: &sig }, id, Variant::Original)
        .await
        .unwrap();
    assert_eq!(served.bytes().await.unwrap(), png(64, 64));
}
