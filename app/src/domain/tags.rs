//! Tags: a bot's labels for conversations, each with a colour from a fixed palette. Seat holders
//! apply them (type a new name to create one) and manage them on the Inbox's Tags page; the
//! conversation list shows them and filters by them.
use super::error::AppError;
use super::ids::TagId;
use super::inbox::coded_enum;
use serde::{Deserialize, Serialize};

coded_enum!(
    /// The palette: named colours, so every tag stays readable on light backgrounds.
    TagColor {
        Gray => "gray",
        Red => "red",
        Orange => "orange",
        Yellow => "yellow",
        Green => "green",
        Teal => "teal",
        Blue => "blue",
        Purple => "purple",
        Pink => "pink",
    }
);

impl TagColor {
    pub fn label(self) -> &'static str {
        match self {
            TagColor::Gray => "Gray",
            TagColor::Red => "Red",
            TagColor::Orange => "Orange",
            TagColor::Yellow => "Yellow",
            TagColor::Green => "Green",
            TagColor::Teal => "Teal",
            TagColor::Blue => "Blue",
            TagColor::Purple => "Purple",
            TagColor::Pink => "Pink",
        }
    }

    /// The colour a new tag gets: spread over the palette by name, so neighbours differ.
    pub fn for_new(name: &TagName) -> TagColor {
        let sum: u32 = name.key().chars().map(u32::from).sum();
        TagColor::ALL[sum as usize % TagColor::ALL.len()]
    }
}

pub const TAG_NAME_MAX: usize = 40;
/// How many tags one list filter may combine.
pub const TAG_FILTER_MAX: usize = 5;

/// A tag's name: 1–40 characters after trimming, inner runs of spaces collapsed, no control
/// characters; unique per bot regardless of case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagName(String);

impl TagName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let name: String = name.chars().filter(|c| !c.is_control()).collect();
        match name.chars().count() {
            0 => Err(AppError::invalid("name", "Give the tag a name.")),
            n if n > TAG_NAME_MAX => {
                Err(AppError::invalid("name", format!("Tag names can be at most {TAG_NAME_MAX} characters.")))
            }
            _ => Ok(TagName(name)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive uniqueness key.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// The list's tag filter: conversations carrying every one of these tags. On the wire and in
/// the page address it is the ids joined by commas ("3,7").
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TagFilter(Vec<TagId>);

impl TagFilter {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let bad = || AppError::invalid("tags", "The tag filter is not valid.");
        let mut ids = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let id = TagId(part.parse().map_err(|_| bad())?);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.len() > TAG_FILTER_MAX {
            return Err(AppError::invalid("tags", format!("Filter by at most {TAG_FILTER_MAX} tags at once.")));
        }
        Ok(TagFilter(ids))
    }

    pub fn ids(&self) -> &[TagId] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, tag: TagId) -> bool {
        self.0.contains(&tag)
    }

    /// The filter with `tag` added, or removed if it was there.
    pub fn toggled(&self, tag: TagId) -> TagFilter {
        let mut ids = self.0.clone();
        match ids.iter().position(|t| *t == tag) {
            Some(at) => {
                ids.remove(at);
            }
            None => ids.push(tag),
        }
        TagFilter(ids)
    }

    pub fn encode(&self) -> String {
        self.0.iter().map(|t| t.0.to_string()).collect::<Vec<_>>().join(",")
    }
}

/// A tag as members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagView {
    pub id: TagId,
    pub name: String,
    pub color: TagColor,
}

/// The Tags page: every tag with how many conversations carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsView {
    pub tags: Vec<TagUsage>,
    /// Why the viewer cannot edit tags, if they cannot (the policy's reason).
    pub cannot_edit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagUsage {
    pub tag: TagView,
    pub conversations: i64,
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn names_are_trimmed_collapsed_and_limited() {
        assert_eq!(TagName::parse("  Refund   request ").unwrap().as_str(), "Refund request");
        assert_eq!(TagName::parse("VIP").unwrap().key(), "vip");
        assert!(TagName::parse("   ").is_err());
        assert!(TagName::parse("\u{7}").is_err());
        assert!(TagName::parse(&"x".repeat(TAG_NAME_MAX)).is_ok());
        assert!(TagName::parse(&"x".repeat(TAG_NAME_MAX + 1)).is_err());
        assert_eq!(TagName::parse("é".repeat(TAG_NAME_MAX).as_str()).unwrap().as_str().chars().count(), TAG_NAME_MAX);
    }

    #[test]
    fn filters_parse_dedupe_and_toggle() {
        let f = TagFilter::parse("3, 7,3,").unwrap();
        assert_eq!(f.ids(), &[TagId(3), TagId(7)]);
        assert_eq!(f.encode(), "3,7");
        assert_eq!(f.toggled(TagId(3)).encode(), "7");
        assert_eq!(f.toggled(TagId(9)).encode(), "3,7,9");
        assert!(TagFilter::parse("").unwrap().is_empty());
        assert!(TagFilter::parse("1,x").is_err());
        assert!(TagFilter::parse("1,2,3,4,5,6").is_err());
    }

    #[test]
    fn colours_have_one_string_form_and_new_tags_get_one() {
        for color in TagColor::ALL {
            assert_eq!(TagColor::parse(color.code()), Some(*color));
        }
        let name = TagName::parse("Billing").unwrap();
        assert_eq!(TagColor::for_new(&name), TagColor::for_new(&TagName::parse("billing").unwrap()));
    }
}
