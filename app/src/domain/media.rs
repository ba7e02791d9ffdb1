//! Files in conversations: the types accepted (told by content, never by name), the file name
//! kept as data, and how an attachment is shown. Pure; shared by server and browser.
use super::error::AppError;
use super::ids::AttachmentId;
use serde::{Deserialize, Serialize};

/// The default upload limit (`SWITCHBOARD_MAX_UPLOAD_MB` changes it).
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
pub const FILE_NAME_MAX: usize = 200;
/// Larger images are refused: decoding one would take hundreds of megabytes (a "pixel bomb").
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// Thumbnails fit in this square.
pub const THUMBNAIL_SIDE: u32 = 320;

/// The allowlist: what the bytes are, found from their content. One string form everywhere
/// (database, wire): the MIME type the file is served with, its `code()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum MediaType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Doc,
    Xls,
    Ppt,
    Rtf,
    Text,
    Mp3,
    Ogg,
    Wav,
    M4a,
    Mp4,
    Webm,
    Mov,
}

const MEDIA_TYPES: [(MediaType, &str); 23] = [
    (MediaType::Png, "image/png"),
    (MediaType::Jpeg, "image/jpeg"),
    (MediaType::Gif, "image/gif"),
    (MediaType::Webp, "image/webp"),
    (MediaType::Pdf, "application/pdf"),
    (MediaType::Docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (MediaType::Xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (MediaType::Pptx, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (MediaType::Odt, "application/vnd.oasis.opendocument.text"),
    (MediaType::Ods, "application/vnd.oasis.opendocument.spreadsheet"),
    (MediaType::Odp, "application/vnd.oasis.opendocument.presentation"),
    (MediaType::Doc, "application/msword"),
    (MediaType::Xls, "application/vnd.ms-excel"),
    (MediaType::Ppt, "application/vnd.ms-powerpoint"),
    (MediaType::Rtf, "application/rtf"),
    (MediaType::Text, "text/plain"),
    (MediaType::Mp3, "audio/mpeg"),
    (MediaType::Ogg, "audio/ogg"),
    (MediaType::Wav, "audio/wav"),
    (MediaType::M4a, "audio/mp4"),
    (MediaType::Mp4, "video/mp4"),
    (MediaType::Webm, "video/webm"),
    (MediaType::Mov, "video/quicktime"),
];

impl MediaType {
    pub fn code(self) -> &'static str {
        MEDIA_TYPES.iter().find(|(t, _)| *t == self).map(|(_, code)| *code).unwrap_or("application/octet-stream")
    }

    pub fn parse(code: &str) -> Option<MediaType> {
        MEDIA_TYPES.iter().find(|(_, c)| *c == code).map(|(t, _)| *t)
    }
}

impl From<MediaType> for &'static str {
    fn from(t: MediaType) -> Self {
        t.code()
    }
}

impl TryFrom<String> for MediaType {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        MediaType::parse(&code).ok_or_else(|| format!("unknown media type `{code}`"))
    }
}

impl MediaType {
    /// Raster images: shown inline with a thumbnail. Everything else (SVG and HTML are never
    /// accepted at all) is downloaded as an attachment.
    pub fn is_raster_image(self) -> bool {
        matches!(self, MediaType::Png | MediaType::Jpeg | MediaType::Gif | MediaType::Webp)
    }
}

/// The name a file was sent with, kept as data (shown, and offered when downloading): the last
/// path segment, without control characters, at most 200 characters; never a storage path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileName(String);

impl FileName {
    pub fn parse(raw: &str) -> FileName {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let clean: String = last.chars().filter(|c| !c.is_control()).collect();
        let clean = clean.trim().trim_start_matches('.');
        let clean: String = clean.chars().take(FILE_NAME_MAX).collect();
        FileName(if clean.is_empty() { "file".into() } else { clean })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// "830 bytes", "12 KB", "4.2 MB".
/// In integers, rounded half up: float formatting would add its own code to the browser bundle.
pub fn size_label(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = KB * KB;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB - KB / 2 {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        let tenths = (bytes.saturating_mul(10) + MB / 2) / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// The upload limit as people read it: "10 MB".
pub fn limit_label(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB && bytes % MB == 0 { format!("{} MB", bytes / MB) } else { size_label(bytes as i64) }
}

pub fn too_large(limit: usize) -> AppError {
    AppError::TooLarge(format!("Files can be at most {}.", limit_label(limit)))
}

/// A file in a message, as the Inbox or the widget shows it. `url` and `thumb_url` are ready
/// to use by the one who receives this view (signed for a visitor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: AttachmentId,
    pub file_name: String,
    pub media_type: MediaType,
    pub size_bytes: i64,
    pub url: String,
    pub thumb_url: Option<String>,
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn file_names_are_data_not_paths() {
        assert_eq!(FileName::parse("../../etc/passwd").as_str(), "passwd");
        assert_eq!(FileName::parse("C:\\Users\\ada\\photo.png").as_str(), "photo.png");
        assert_eq!(FileName::parse("..").as_str(), "file");
        assert_eq!(FileName::parse(" .hidden\u{0}name ").as_str(), "hiddenname");
        assert_eq!(FileName::parse(&"a".repeat(500)).as_str().len(), FILE_NAME_MAX);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_label(830), "830 bytes");
        assert_eq!(size_label(12 * 1024), "12 KB");
        assert_eq!(size_label(4_404_019), "4.2 MB");
        assert_eq!(size_label(1536), "2 KB");
        assert_eq!(size_label(1024 * 1024 - 1), "1.0 MB", "never \"1024 KB\"");
        assert_eq!(size_label(10 * 1024 * 1024), "10.0 MB");
        assert_eq!(limit_label(DEFAULT_MAX_UPLOAD_BYTES), "10 MB");
    }

    #[test]
    fn only_raster_images_are_inline() {
        assert!(MediaType::Png.is_raster_image());
        assert!(!MediaType::Pdf.is_raster_image());
        assert!(!MediaType::Text.is_raster_image());
        assert_eq!(MediaType::parse("image/svg+xml"), None, "SVG is not on the list");
        for (t, code) in MEDIA_TYPES {
            assert_eq!(MediaType::parse(code), Some(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{code}\""));
        }
    }
}
