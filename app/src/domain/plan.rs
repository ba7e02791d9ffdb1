use super::billing::{Day, format_day_short};
use super::policy::Denied;
use super::text::count_s;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatUsage {
    pub used: i64,
    pub included: i64,
    pub paid: i64,
    /// Set when a plan change or a paid seat reduction is scheduled for the next period.
    pub next: Option<NextPeriodSeats>,
}

/// The seat pool from the next billing period on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextPeriodSeats {
    pub starts: Day,
    /// The plan's name when the plan changes; `None` when only paid seats drop.
    pub plan_name: Option<String>,
    pub available: i64,
}

impl SeatUsage {
    pub fn available(&self) -> i64 {
        self.included + self.paid
    }

    /// Seats not held by anyone this period.
    pub fn free(&self) -> i64 {
        (self.available() - self.used).max(0)
    }

    /// Seats that can be given now: a seat given today must still exist after a scheduled
    /// reduction, so the smaller of this period's and the next period's pool counts.
    pub fn grantable(&self) -> i64 {
        let capacity = match &self.next {
            Some(next) => self.available().min(next.available),
            None => self.available(),
        };
        (capacity - self.used).max(0)
    }

    /// Why no seat can be given now, if none can.
    pub fn grant_refusal(&self) -> Option<Denied> {
        if self.free() == 0 {
            return Some(Denied::NoFreeSeats);
        }
        match &self.next {
            Some(next) if self.grantable() == 0 => Some(Denied::NextPeriodFull { next: next.clone(), used: self.used }),
            _ => None,
        }
    }

    /// The phrase the Team Manager header shows, e.g. "Inbox seats: 1 of 1 used".
    pub fn summary(&self) -> String {
        format!("Inbox seats: {} of {} used", self.used, self.available())
    }

    /// "The Free plan starts on 24 Dec with 1 seat — 1 of 1 would be used", when a change is
    /// scheduled.
    pub fn next_period_note(&self) -> Option<String> {
        self.next.as_ref().map(|next| next.describe(self.used))
    }
}

impl NextPeriodSeats {
    pub fn describe(&self, used: i64) -> String {
        let when = format_day_short(self.starts);
        let seats = count_s(self.available, "seat");
        let start = match &self.plan_name {
            Some(plan) => format!("The {plan} plan starts on {when} with {seats}"),
            None => format!("Paid seats drop on {when}, leaving {seats}"),
        };
        format!("{start} — {used} of {} would be used.", self.available)
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
        let usage = SeatUsage { used: 2, included: 1, paid: 3, next: None };
        assert_eq!(usage.available(), 4);
        assert_eq!(usage.free(), 2);
        assert_eq!(usage.summary(), "Inbox seats: 2 of 4 used");
    }

    #[test]
    fn free_never_negative_even_if_plan_shrank() {
        let usage = SeatUsage { used: 3, included: 1, paid: 0, next: None };
        assert_eq!(usage.free(), 0);
    }

    #[test]
    fn a_scheduled_reduction_limits_what_can_be_given_now() {
        // 24 Dec 2026 is day 20811.
        let next = NextPeriodSeats { starts: 20_811, plan_name: Some("Free".into()), available: 1 };
        let usage = SeatUsage { used: 1, included: 3, paid: 0, next: Some(next.clone()) };
        assert_eq!(usage.free(), 2, "free this period");
        assert_eq!(usage.grantable(), 0, "but none can be given: the Free plan has 1 seat");
        assert_eq!(usage.grant_refusal(), Some(Denied::NextPeriodFull { next, used: 1 }));
        assert_eq!(
            usage.grant_refusal().unwrap().to_string(),
            "The Free plan starts on 24\u{a0}Dec with 1 seat — 1 of 1 would be used."
        );
        let drop = NextPeriodSeats { starts: 20_811, plan_name: None, available: 3 };
        let usage = SeatUsage { used: 1, included: 1, paid: 4, next: Some(drop) };
        assert_eq!(usage.grantable(), 2);
        assert_eq!(usage.grant_refusal(), None);
        assert_eq!(
            usage.next_period_note().unwrap(),
            "Paid seats drop on 24\u{a0}Dec, leaving 3 seats — 1 of 3 would be used."
        );
        let full = SeatUsage { used: 2, included: 2, paid: 0, next: None };
        assert_eq!(full.grant_refusal(), Some(Denied::NoFreeSeats));
    }
}
