//! What the Inbox reads of its live events' data, decoded by the browser's own JSON parser: a
//! serde decoder per kind of notice would weigh on the Inbox's first load. The events are
//! `domain::events::LiveEvent`s as the server sends them (the test below reads real ones).
use crate::domain::ids::ConversationId;
use wasm_bindgen::{JsCast, JsValue};

/// One event's data, parsed.
pub struct Notice(JsValue);

impl Notice {
    pub fn of(event: &web_sys::MessageEvent) -> Option<Notice> {
        Notice::parse(&event.data().as_string()?)
    }

    pub fn parse(data: &str) -> Option<Notice> {
        js_sys::JSON::parse(data).ok().filter(|value| value.is_object()).map(Notice)
    }

    fn get(&self, field: &str) -> JsValue {
        js_sys::Reflect::get(&self.0, &JsValue::from_str(field)).unwrap_or(JsValue::UNDEFINED)
    }

    pub fn conversation(&self) -> Option<ConversationId> {
        self.get("conversation").as_f64().map(|id| ConversationId(id as i64))
    }

    pub fn text(&self, field: &str) -> String {
        self.get(field).as_string().unwrap_or_default()
    }

    pub fn flag(&self, field: &str) -> bool {
        self.get(field).as_bool().unwrap_or(false)
    }

    /// The `name` of each entry of the list `field`.
    pub fn names(&self, field: &str) -> Vec<String> {
        let list = self.get(field);
        let Some(list) = list.dyn_ref::<js_sys::Array>() else { return Vec::new() };
        list.iter().filter_map(|entry| Notice(entry).get("name").as_string()).collect()
    }
}

// Runs on the browser target only (under wasm-bindgen-test, in Node): it needs a JSON parser
// from JavaScript.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::domain::MemberId;
    use crate::domain::events::{LiveEvent, Viewer};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn notice(event: LiveEvent) -> Notice {
        Notice::parse(&serde_json::to_string(&event).unwrap()).unwrap()
    }

    #[test]
    fn the_inbox_reads_its_notices_from_the_events_as_sent() {
        let typing = notice(LiveEvent::Typing { conversation: ConversationId(4), name: "Mona".into(), customer: true });
        assert_eq!(typing.conversation(), Some(ConversationId(4)));
        assert_eq!(typing.text("name"), "Mona");
        assert!(typing.flag("customer"));
        let assigned = notice(LiveEvent::Assigned {
            conversation: ConversationId(5),
            member: MemberId(6),
            contact: "Emma \"E\" Ünal".into(),
        });
        assert_eq!(assigned.conversation(), Some(ConversationId(5)));
        assert_eq!(assigned.text("contact"), "Emma \"E\" Ünal");
        let viewers = notice(LiveEvent::ViewersChanged {
            conversation: ConversationId(8),
            viewers: vec![
                Viewer { member: MemberId(1), name: "Ali".into() },
                Viewer { member: MemberId(2), name: "Mona".into() },
            ],
        });
        assert_eq!(viewers.conversation(), Some(ConversationId(8)));
        assert_eq!(viewers.names("viewers"), ["Ali", "Mona"]);
        assert!(viewers.names("nothing").is_empty());
        assert!(Notice::parse("not json").is_none());
        assert!(Notice::parse("42").is_none());
    }
}
