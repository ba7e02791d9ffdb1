use serde::{Deserialize, Serialize};

/// A subscription plan from the seeded catalogue. Money is integer minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Plan {
    pub code: String,
    pub name: String,
    /// Inbox seats included free with the plan (the creator's seat counts against them).
    pub included_seats: i64,
    /// The plan's own monthly price.
    pub price_minor: i64,
    /// The monthly price of one paid seat.
    pub seat_price_minor: i64,
    pub currency: String,
}

/// The plan a new bot starts on.
pub const DEFAULT_PLAN_CODE: &str = "free";

/// Seats available and used in a bot: available = plan's included seats + paid seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatUsage {
    pub used: i64,
    pub included: i64,
    pub paid: i64,
}

impl SeatUsage {
    pub fn available(&self) -> i64 {
        self.included + self.paid
    }

    pub fn free(&self) -> i64 {
        (self.available() - self.used).max(0)
    }

    /// The phrase the Team Manager header shows, e.g. "Inbox seats: 1 of 1 used".
    pub fn summary(&self) -> String {
        format!("Inbox seats: {} of {} used", self.used, self.available())
    }
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn available_is_included_plus_paid() {
        let usage = SeatUsage { used: 2, included: 1, paid: 3 };
        assert_eq!(usage.available(), 4);
        assert_eq!(usage.free(), 2);
        assert_eq!(usage.summary(), "Inbox seats: 2 of 4 used");
    }

    #[test]
    fn free_never_negative_even_if_plan_shrank() {
        let usage = SeatUsage { used: 3, included: 1, paid: 0 };
        assert_eq!(usage.free(), 0);
    }
}
