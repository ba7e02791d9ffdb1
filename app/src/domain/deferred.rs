//! A value whose decoding in the browser waits for the code that reads it. It crosses the wire
//! as the value's own JSON (a reader sees no difference) and the receiver keeps that text as it
//! came, so the value's decoder is compiled into the bundle chunk that calls `decode`, not into
//! the one that fetched it: the Inbox list page fetches the open conversation, and only the
//! conversation view (its own chunk) needs to know what a conversation holds.
use super::AppError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::marker::PhantomData;

pub struct Deferred<T> {
    json: Box<RawValue>,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize> Deferred<T> {
    pub fn new(value: &T) -> Result<Self, AppError> {
        let json = serde_json::value::to_raw_value(value).map_err(|_error| {
            #[cfg(feature = "ssr")]
            tracing::error!(error = %_error, "page data could not be encoded");
            AppError::Internal
        })?;
        Ok(Self { json, of: PhantomData })
    }
}

impl<T> Deferred<T> {
    /// The same JSON read as another type: for holders of many kinds of value (page data).
    pub fn retype<U>(self) -> Deferred<U> {
        Deferred { json: self.json, of: PhantomData }
    }

    /// `Some(value)` has the JSON of `value`.
    pub fn some(self) -> Deferred<Option<T>> {
        self.retype()
    }
}

impl Deferred<()> {
    /// JSON text as it arrived (checked to be JSON, not decoded).
    pub fn from_json(json: String) -> Result<Self, AppError> {
        let json = RawValue::from_string(json).map_err(|_| AppError::Internal)?;
        Ok(Self { json, of: PhantomData })
    }
}

impl<T> Deferred<Option<T>> {
    pub fn none() -> Self {
        Self { json: RawValue::from_string("null".into()).expect("null is JSON"), of: PhantomData }
    }
}

impl<T: DeserializeOwned> Deferred<T> {
    pub fn decode(&self) -> Result<T, AppError> {
        // `from_slice`, as server functions' responses are read: every serde_json reader is
        // compiled into the browser bundle per entry point, so all of ours use this one.
        serde_json::from_slice(self.json.get().as_bytes()).map_err(|_| AppError::Internal)
    }
}

impl<T> Clone for Deferred<T> {
    fn clone(&self) -> Self {
        Self { json: self.json.clone(), of: PhantomData }
    }
}

impl<T> std::fmt::Debug for Deferred<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Deferred").field(&self.json.get()).finish()
    }
}

impl<T> PartialEq for Deferred<T> {
    fn eq(&self, other: &Self) -> bool {
        self.json.get() == other.json.get()
    }
}

impl<T> Serialize for Deferred<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Deferred<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self { json: Box::<RawValue>::deserialize(deserializer)?, of: PhantomData })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Sample {
        name: String,
        count: u32,
    }

    #[test]
    fn crosses_the_wire_as_the_value_itself_and_decodes_later() {
        let sample = Sample { name: "Mona \"M\"".into(), count: 3 };
        let wire = serde_json::to_string(&Some(Deferred::new(&sample).unwrap())).unwrap();
        assert_eq!(wire, serde_json::to_string(&sample).unwrap());
        let received: Option<Deferred<Sample>> = serde_json::from_slice(wire.as_bytes()).unwrap();
        assert_eq!(received.unwrap().decode().unwrap(), sample);
    }

    #[test]
    fn some_and_none_read_as_options() {
        let sample = Sample { name: "Ali".into(), count: 1 };
        assert_eq!(Deferred::new(&sample).unwrap().some().decode().unwrap(), Some(sample));
        assert_eq!(Deferred::<Option<Sample>>::none().decode().unwrap(), None);
    }

    #[test]
    fn a_value_of_another_shape_is_an_error_when_read_not_when_received() {
        let received: Deferred<Sample> = serde_json::from_str(r#"{"name": 1}"#).unwrap();
        assert_eq!(received.decode().unwrap_err(), AppError::Internal);
    }
}
