//! Files: what bytes are (by content, against the allowlist), image checks and thumbnails, the
//! media store (local disk by default), and signed, expiring links to a file.
use crate::domain::AppError;
use crate::domain::ids::AttachmentId;
use crate::domain::media::{MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MediaType, THUMBNAIL_SIDE};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// What a file is

const ALLOWED: &str = "images (PNG, JPEG, GIF, WebP), PDF, office documents, text, audio and video";

/// The type of `bytes`, from their content only. Markup (HTML, SVG, XML) is refused outright:
/// a browser could run it, and renaming it changes nothing here.
pub fn sniff(bytes: &[u8]) -> Result<MediaType, AppError> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "The file is empty."));
    }
    if let Some(found) = infer::get(bytes) {
        let mime = found.mime_type();
        let known = match mime {
            "image/png" => MediaType::Png,
            "image/jpeg" => MediaType::Jpeg,
            "image/gif" => MediaType::Gif,
            "image/webp" => MediaType::Webp,
            "application/pdf" => MediaType::Pdf,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => MediaType::Docx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => MediaType::Xlsx,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation" => MediaType::Pptx,
            "application/vnd.oasis.opendocument.text" => MediaType::Odt,
            "application/vnd.oasis.opendocument.spreadsheet" => MediaType::Ods,
            "application/vnd.oasis.opendocument.presentation" => MediaType::Odp,
            "application/msword" => MediaType::Doc,
            "application/vnd.ms-excel" => MediaType::Xls,
            "application/vnd.ms-powerpoint" => MediaType::Ppt,
            "application/rtf" | "text/rtf" => MediaType::Rtf,
            "audio/mpeg" => MediaType::Mp3,
            "audio/ogg" | "audio/opus" => MediaType::Ogg,
            "audio/x-wav" | "audio/wav" => MediaType::Wav,
            "audio/m4a" | "audio/mp4" | "audio/x-m4a" => MediaType::M4a,
            "video/mp4" => MediaType::Mp4,
            "video/webm" => MediaType::Webm,
            "video/quicktime" => MediaType::Mov,
            "text/html" | "text/xml" | "application/xml" | "image/svg+xml" => return Err(markup()),
            other => {
                return Err(AppError::invalid(
                    "file",
                    format!("This kind of file ({other}) can't be sent. You can send {ALLOWED}."),
                ));
            }
        };
        return Ok(known);
    }
    // No magic number: plain text is fine (served as a download), markup and binary are not.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(AppError::invalid("file", format!("This kind of file can't be sent. You can send {ALLOWED}.")));
    };
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('<') || text.contains('\0') {
        return Err(markup());
    }
    Ok(MediaType::Text)
}

fn markup() -> AppError {
    AppError::invalid(
        "file",
        "HTML, SVG and other markup files can't be sent (a browser could run them). Send a screenshot or a PDF instead.",
    )
}

fn image_format(t: MediaType) -> Option<image::ImageFormat> {
    match t {
        MediaType::Png => Some(image::ImageFormat::Png),
        MediaType::Jpeg => Some(image::ImageFormat::Jpeg),
        MediaType::Gif => Some(image::ImageFormat::Gif),
        MediaType::Webp => Some(image::ImageFormat::WebP),
        _ => None,
    }
}

/// An image's size from its header (nothing decoded), refused when decoding it would take more
/// memory than any real photo needs.
pub fn image_dimensions(bytes: &[u8], t: MediaType) -> Result<Option<(u32, u32)>, AppError> {
    let Some(format) = image_format(t) else { return Ok(None) };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    // Only the header is read here, so the decoder's own size limits (which would refuse a
    // huge image without saying its size) are lifted; ours follow.
    reader.no_limits();
    let (w, h) = reader
        .into_dimensions()
        .map_err(|_| AppError::invalid("file", "This image is damaged or incomplete and can't be read."))?;
    if w == 0 || h == 0 || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE || u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(AppError::invalid(
            "file",
            format!(
                "This image is {w} × {h} pixels; images can be at most {MAX_IMAGE_SIDE} pixels a side and {} megapixels.",
                MAX_IMAGE_PIXELS / 1_000_000
            ),
        ));
    }
    Ok(Some((w, h)))
}

/// A JPEG preview that fits in a 320-pixel square, or `None` if the image can't be decoded
/// (it is then shown as a file). Decoding is bounded by the limits checked above; callers run
/// it on the blocking pool, one at a time (`THUMBNAILS`).
pub fn thumbnail(bytes: &[u8], t: MediaType) -> Option<Vec<u8>> {
    let format = image_format(t)?;
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4 + (16 << 20));
    reader.limits(limits);
    let decoded = match reader.decode() {
        Ok(image) => image,
        Err(err) => {
            tracing::warn!(error = %err, "could not decode an image for its thumbnail");
            return None;
        }
    };
    let small = decoded.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE).to_rgb8();
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    small.write_with_encoder(encoder).ok()?;
    Some(out)
}

/// One thumbnail is made at a time: decoding a large photo takes up to ~160 MB, and this keeps
/// a burst of uploads within the server's memory bound.
pub static THUMBNAILS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Stored files are named by their SHA-256: the same bytes are stored once, and no name ever
/// comes from user input.
pub fn content_name(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// The media store

/// Where file bytes live. Local disk by default; object storage (the `object_store` crate
/// speaks S3, GCS and Azure) can implement this without touching callers. Names are
/// `content_name`s; writes of the same name are idempotent.
pub trait MediaStore: Send + Sync + 'static {
    fn put(&self, name: &str, bytes: &[u8]) -> std::io::Result<()>;
    fn get(&self, name: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// A local file holding `name`, if the store keeps one: it is then streamed to the client
    /// rather than read into memory.
    fn local_path(&self, _name: &str) -> Option<PathBuf> {
        None
    }
}

/// Files under a folder (`data/media` by default), two levels of fan-out by name.
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: impl Into<PathBuf>) -> LocalDisk {
        LocalDisk { root: root.into() }
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        // Only our own hex names: nothing can walk out of the folder.
        if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join(&name[..2]).join(&name[2..4]).join(name))
    }
}

impl MediaStore for LocalDisk {
    fn put(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(name).ok_or_else(|| std::io::Error::other("not a content name"))?;
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().expect("a content path has a folder");
        std::fs::create_dir_all(dir)?;
        // Written whole, synced, then renamed into place: a crash never leaves half a file
        // under the name, and an acknowledged upload survives a power cut.
        let tmp = dir.join(format!(".{name}.{}", crate::server::secrets::random_hex(4)));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    }

    fn local_path(&self, name: &str) -> Option<PathBuf> {
        self.path(name).filter(|path| path.is_file())
    }

    fn get(&self, name: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path(name) else { return Ok(None) };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Signed links

/// The original file or its preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

impl Variant {
    fn code(self) -> &'static str {
        match self {
            Variant::Original => "file",
            Variant::Thumbnail => "thumb",
        }
    }
}

/// The path of a file for members (their session decides): `/media/{id}` or `/media/{id}/thumb`.
pub fn member_path(id: AttachmentId, variant: Variant) -> String {
    match variant {
        Variant::Original => format!("/media/{id}"),
        Variant::Thumbnail => format!("/media/{id}/thumb"),
    }
}

/// A link that works without a session until `expires_s` (Unix seconds), signed with the
/// channel's secret (rotating the secret revokes every link given out).
pub fn signed_path(secret: &str, id: AttachmentId, variant: Variant, expires_s: i64) -> String {
    let sig = sign(secret, id, variant, expires_s);
    format!("{}?exp={expires_s}&sig={sig}", member_path(id, variant))
}

fn sign(secret: &str, id: AttachmentId, variant: Variant, expires_s: i64) -> String {
    let id = id.to_string();
    let exp = expires_s.to_string();
    crate::server::secrets::sign(secret, &[b"media", id.as_bytes(), variant.code().as_bytes(), exp.as_bytes()])
}

/// Whether a signed link is genuine and not expired at `now_s`.
pub fn verify(secret: &str, id: AttachmentId, variant: Variant, expires_s: i64, sig: &str, now_s: i64) -> bool {
    if expires_s < now_s {
        return false;
    }
    let id_text = id.to_string();
    let exp = expires_s.to_string();
    crate::server::secrets::verify(
        secret,
        &[b"media", id_text.as_bytes(), variant.code().as_bytes(), exp.as_bytes()],
        sig,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::new(w, h).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    /// A PNG whose header claims `w` × `h` with a few bytes of pixel data (a "pixel bomb").
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, body: Vec<u8>) {
            out.extend((body.len() as u32 - 4).to_be_bytes());
            out.extend(&body);
            out.extend(crc32(&body).to_be_bytes());
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(w.to_be_bytes());
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        chunk(&mut out, ihdr);
        chunk(&mut out, b"IDAT\x78\x9c\x03\x00".to_vec());
        out
    }

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

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(sniff(&png(4, 4)).unwrap(), MediaType::Png);
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj").unwrap(), MediaType::Pdf);
        assert_eq!(sniff("Order 4411, tracking AB123\n".as_bytes()).unwrap(), MediaType::Text);
        // HTML named photo.png is still HTML; SVG with a script is markup.
        assert!(sniff(b"<!DOCTYPE html><script>alert(1)</script>").unwrap_err().to_string().contains("HTML"));
        let svg = b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
        assert!(sniff(svg).unwrap_err().to_string().contains("SVG"));
        assert!(sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00 just a zip").is_err(), "archives are not on the list");
        assert!(sniff(b"\x7fELF\x02\x01\x01\x00").is_err());
        assert!(sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80]).is_err(), "binary without a known type");
        assert!(sniff(b"").is_err());
    }

    #[test]
    fn images_are_measured_from_their_header_and_pixel_bombs_refused() {
        assert_eq!(image_dimensions(&png(40, 30), MediaType::Png).unwrap(), Some((40, 30)));
        let bomb = png_header(100_000, 100_000);
        assert_eq!(sniff(&bomb).unwrap(), MediaType::Png);
        let err = image_dimensions(&bomb, MediaType::Png).unwrap_err();
        assert!(err.to_string().contains("100000 × 100000"), "{err}");
        assert!(image_dimensions(&png_header(12_000, 12_000), MediaType::Png).is_err(), "over 40 megapixels");
        assert_eq!(image_dimensions(b"%PDF-1.7", MediaType::Pdf).unwrap(), None);
    }

    #[test]
    fn thumbnails_fit_the_square_and_damaged_images_have_none() {
        let thumb = thumbnail(&png(1000, 500), MediaType::Png).unwrap();
        let small = image::load_from_memory(&thumb).unwrap();
        assert_eq!((small.width(), small.height()), (320, 160));
        assert_eq!(sniff(&thumb).unwrap(), MediaType::Jpeg);
        assert!(thumbnail(&png_header(100, 100), MediaType::Png).is_none());
    }

    #[test]
    fn the_store_names_by_content_and_refuses_other_names() {
        let dir = std::env::temp_dir().join(format!("switchboard-media-{}", crate::server::secrets::random_hex(6)));
        let store = LocalDisk::new(&dir);
        let name = content_name(b"hello");
        store.put(&name, b"hello").unwrap();
        store.put(&name, b"hello").unwrap();
        assert_eq!(store.get(&name).unwrap().as_deref(), Some(&b"hello"[..]));
        assert_eq!(store.get(&content_name(b"other")).unwrap(), None);
        assert!(store.put("../../etc/passwd", b"x").is_err());
        assert_eq!(store.get("../secret").unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn signed_links_expire_and_cannot_be_altered() {
        let id = AttachmentId(7);
        let path = signed_path("secret", id, Variant::Original, 2_000);
        let sig = path.rsplit("sig=").next().unwrap();
        assert!(verify("secret", id, Variant::Original, 2_000, sig, 1_999));
        assert!(!verify("secret", id, Variant::Original, 2_000, sig, 2_001), "expired");
        assert!(!verify("secret", AttachmentId(8), Variant::Original, 2_000, sig, 1_000), "another file");
        assert!(!verify("secret", id, Variant::Thumbnail, 2_000, sig, 1_000), "another variant");
        assert!(!verify("secret", id, Variant::Original, 3_000, sig, 1_000), "a later expiry");
        assert!(!verify("rotated", id, Variant::Original, 2_000, sig, 1_000), "the secret was rotated");
    }
}
