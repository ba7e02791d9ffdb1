//! Inbox search: what a member typed, parsed into terms (words, "quoted phrases", and the last
//! word as a prefix while they type), and the highlighted snippet of a match. The database
//! never sees the raw text as query syntax: each backend's query is built from these terms.
use super::error::AppError;
use super::ids::MessageId;
use super::inbox::ConversationSummary;
use serde::{Deserialize, Serialize};

pub const SEARCH_MAX_CHARS: usize = 200;
pub const SEARCH_MAX_TERMS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Term {
    /// One word (or a run of words the tokenizer splits, matched next to each other).
    Word(String),
    /// "Quoted words", next to each other in this order.
    Phrase(String),
    /// The word being typed: anything starting with it.
    Prefix(String),
}

impl Term {
    /// The words of the term, lower-cased, as the highlighter compares them.
    fn words(&self) -> Vec<String> {
        let text = match self {
            Term::Word(t) | Term::Phrase(t) | Term::Prefix(t) => t,
        };
        words_of(text).map(|(_, w)| w.to_lowercase()).collect()
    }
}

/// A parsed search: every term must match (AND).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchQuery {
    terms: Vec<Term>,
}

impl SearchQuery {
    /// `prefix_last`: the last bare word matches as a prefix (search as you type).
    pub fn parse(raw: &str, prefix_last: bool) -> Result<Self, AppError> {
        let field = |message: String| AppError::invalid("q", message);
        if raw.chars().count() > SEARCH_MAX_CHARS {
            return Err(field(format!("Searches can be at most {SEARCH_MAX_CHARS} characters.")));
        }
        if raw.matches('"').count() % 2 == 1 {
            return Err(field("Close the quote (\") around the phrase, or remove it.".into()));
        }
        let mut terms = Vec::new();
        for (n, part) in raw.split('"').enumerate() {
            if n % 2 == 1 {
                if words_of(part).next().is_some() {
                    terms.push(Term::Phrase(part.split_whitespace().collect::<Vec<_>>().join(" ")));
                }
                continue;
            }
            // Outside quotes, punctuation and operator characters are just separators.
            for word in part.split_whitespace() {
                if words_of(word).next().is_some() {
                    terms.push(Term::Word(word.to_string()));
                }
            }
        }
        if terms.is_empty() {
            return Err(field("Type a word to search for.".into()));
        }
        if terms.len() > SEARCH_MAX_TERMS {
            return Err(field(format!("Search for at most {SEARCH_MAX_TERMS} words or phrases at once.")));
        }
        let typing_a_word = !raw.trim_end().ends_with('"') && !raw.ends_with(char::is_whitespace);
        if prefix_last && typing_a_word {
            if let Some(Term::Word(last)) = terms.last().cloned() {
                // Only a plain word can be a prefix (the index stores words, not punctuation).
                if words_of(&last).count() == 1 {
                    let word = words_of(&last).next().map(|(_, w)| w.to_string()).unwrap_or_default();
                    *terms.last_mut().expect("not empty") = Term::Prefix(word);
                }
            }
        }
        Ok(SearchQuery { terms })
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The part of `body` around the first match, split into plain and matched pieces. The UI
    /// renders each piece as text (matched ones inside `<mark>`): no markup comes from `body`.
    pub fn snippet(&self, body: &str, width: usize) -> Vec<Segment> {
        let whole: Vec<String> =
            self.terms.iter().filter(|t| !matches!(t, Term::Prefix(_))).flat_map(|t| t.words()).collect();
        let prefixes: Vec<String> =
            self.terms.iter().filter(|t| matches!(t, Term::Prefix(_))).flat_map(|t| t.words()).collect();
        let hits: Vec<(usize, usize)> = words_of(body)
            .filter(|(_, w)| {
                let w = w.to_lowercase();
                whole.contains(&w) || prefixes.iter().any(|p| w.starts_with(p.as_str()))
            })
            .map(|(at, w)| (at, at + w.len()))
            .collect();
        // A window of about `width` characters that starts a little before the first match.
        let first = hits.first().map(|h| h.0).unwrap_or(0);
        let lead = width / 4;
        let start = body[..first].char_indices().rev().nth(lead).map(|(i, _)| i).unwrap_or(0);
        let end = body[start..].char_indices().nth(width).map(|(i, _)| start + i).unwrap_or(body.len());
        let mut segments = Vec::new();
        let mut at = start;
        if start > 0 {
            segments.push(Segment { text: "…".into(), hit: false });
        }
        for (from, to) in hits.into_iter().filter(|(from, to)| *from >= start && *to <= end) {
            if from > at {
                segments.push(Segment { text: body[at..from].to_string(), hit: false });
            }
            segments.push(Segment { text: body[from..to].to_string(), hit: true });
            at = to;
        }
        if end > at {
            segments.push(Segment { text: body[at..end].to_string(), hit: false });
        }
        if end < body.len() {
            segments.push(Segment { text: "…".into(), hit: false });
        }
        segments
    }
}

/// The words of `text` with their byte offsets: runs of letters and digits.
fn words_of(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// A piece of a snippet: plain text or a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// One conversation that matched: its list row and what matched in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub summary: ConversationSummary,
    /// The newest matching message, if a message matched (else the contact did).
    pub message_id: Option<MessageId>,
    pub snippet: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn words_phrases_and_the_word_being_typed() {
        let q = SearchQuery::parse(r#"refund "late delivery" ord"#, true).unwrap();
        assert_eq!(
            q.terms(),
            &[Term::Word("refund".into()), Term::Phrase("late delivery".into()), Term::Prefix("ord".into())]
        );
        // A finished word (trailing space) or a closing quote is not a prefix.
        assert_eq!(SearchQuery::parse("refund ", true).unwrap().terms(), &[Term::Word("refund".into())]);
        assert_eq!(SearchQuery::parse("refund", false).unwrap().terms(), &[Term::Word("refund".into())]);
        assert_eq!(
            SearchQuery::parse(r#""late delivery""#, true).unwrap().terms(),
            &[Term::Phrase("late delivery".into())]
        );
    }

    #[test]
    fn operators_and_punctuation_are_text_and_mistakes_get_a_reason() {
        let q = SearchQuery::parse("refund AND -order* (x:y)", false).unwrap();
        assert_eq!(q.terms().len(), 4, "{q:?}");
        for bad in ["", "  ", "***", r#"refund "late"#, &"x".repeat(201), "a b c d e f g h i"] {
            let err = SearchQuery::parse(bad, true).unwrap_err();
            assert_eq!(err.status(), 422, "{bad:?}");
        }
        assert!(SearchQuery::parse(r#"refund "late"#, true).unwrap_err().to_string().contains("quote"));
    }

    #[test]
    fn snippets_mark_whole_words_and_prefixes_and_never_split_characters() {
        let q = SearchQuery::parse("refund ord", true).unwrap();
        let s = q.snippet("I want a Refund for my order, not a refunding", 200);
        let hits: Vec<&str> = s.iter().filter(|p| p.hit).map(|p| p.text.as_str()).collect();
        assert_eq!(hits, vec!["Refund", "order"], "whole words; the prefix matches 'order'");
        assert_eq!(
            s.iter().map(|p| p.text.as_str()).collect::<String>(),
            "I want a Refund for my order, not a refunding"
        );

        let long = format!("{} müde refund {}", "é".repeat(300), "ü".repeat(300));
        let s = q.snippet(&long, 40);
        assert!(s.first().unwrap().text == "…" && s.last().unwrap().text == "…");
        assert!(s.iter().any(|p| p.hit && p.text == "refund"));
        let html = SearchQuery::parse("img", false).unwrap().snippet("<img src=x onerror=alert(1)>", 100);
        assert_eq!(html.iter().map(|p| p.text.as_str()).collect::<String>(), "<img src=x onerror=alert(1)>");
    }
}
