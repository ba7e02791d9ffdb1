//! Billing arithmetic: calendar days (UTC), monthly periods anchored on the bot's creation day,
//! and per-day proration in integer minor units. Pure and exhaustively tested.
use serde::{Deserialize, Serialize};

pub const DAY_MS: i64 = 86_400_000;

/// A day number: days since 1970-01-01 (UTC).
pub type Day = i64;

pub fn day_of_ms(ms: i64) -> Day {
    ms.div_euclid(DAY_MS)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(days: Day) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DD`.
pub fn format_day(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    // No-break spaces: a date never wraps across two lines.
    format!("{d}\u{a0}{}\u{a0}{y}", MONTHS[(m - 1) as usize])
}

/// "24 Dec": for dates within the coming weeks, where the year is obvious.
pub fn format_day_short(day: Day) -> String {
    let (_, m, d) = civil_from_days(day);
    format!("{d}\u{a0}{}", MONTHS[(m - 1) as usize])
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A billing period `[start, end)` in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Day,
    pub end: Day,
}

impl Period {
    pub fn days(&self) -> i64 {
        self.end - self.start
    }

    /// The last day inside the period, for display ("through 2026-12-24").
    pub fn last_day(&self) -> Day {
        self.end - 1
    }
}

/// The anchored day in a given month: the anchor day, or the month's last day if shorter.
fn anchored(year: i64, month: u32, anchor: u32) -> Day {
    days_from_civil(year, month, anchor.min(days_in_month(year, month)))
}

fn add_months(year: i64, month: u32, delta: i64) -> (i64, u32) {
    let index = year * 12 + (month as i64 - 1) + delta;
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32)
}

/// The anchor day (1–31) of a bot created on `day`.
pub fn anchor_of(day: Day) -> u32 {
    civil_from_days(day).2
}

/// The monthly period (anchored on day `anchor` of the month, 1–31) that contains `today`.
pub fn period_containing(anchor: u32, today: Day) -> Period {
    let anchor = anchor.clamp(1, 31);
    let (y, m, _) = civil_from_days(today);
    let this_month = anchored(y, m, anchor);
    let (start_y, start_m) = if this_month <= today { (y, m) } else { add_months(y, m, -1) };
    let start = anchored(start_y, start_m, anchor);
    let (end_y, end_m) = add_months(start_y, start_m, 1);
    Period { start, end: anchored(end_y, end_m, anchor) }
}

/// The charge for `quantity` units at `unit_price` (minor units per full period) from `today`
/// (inclusive) to the end of `period`: price × quantity × remaining days ÷ period days,
/// rounded half up to a whole minor unit.
pub fn prorate(unit_price: i64, quantity: i64, period: Period, today: Day) -> i64 {
    let total = period.days();
    let remaining = (period.end - today).clamp(0, total);
    if total <= 0 || quantity <= 0 || unit_price <= 0 {
        return 0;
    }
    let numerator = unit_price as i128 * quantity as i128 * remaining as i128;
    ((numerator + total as i128 / 2) / total as i128) as i64
}

/// A money amount for display, e.g. "12.34 USD".
pub fn format_money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn d(y: i64, m: u32, day: u32) -> Day {
        days_from_civil(y, m, day)
    }

    #[test]
    fn civil_round_trip_over_four_centuries() {
        assert_eq!(d(1970, 1, 1), 0);
        assert_eq!(d(2000, 3, 1), 11_017);
        for day in (d(1900, 1, 1)..d(2300, 1, 1)).step_by(7) {
            let (y, m, dd) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, dd), day);
        }
    }

    #[test]
    fn leap_years() {
        assert!(is_leap(2024) && is_leap(2000) && !is_leap(1900) && !is_leap(2026));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2026, 2), 28);
        assert_eq!(days_in_month(2100, 2), 28);
    }

    #[test]
    fn periods_are_anchored_on_the_creation_day() {
        assert_eq!(anchor_of(d(2026, 11, 25)), 25);
        let p = period_containing(25, d(2026, 11, 25));
        assert_eq!(p, Period { start: d(2026, 11, 25), end: d(2026, 12, 25) });
        let p = period_containing(25, d(2026, 12, 24));
        assert_eq!(p, Period { start: d(2026, 11, 25), end: d(2026, 12, 25) });
        // Crossing the year.
        let p = period_containing(25, d(2027, 1, 3));
        assert_eq!(p, Period { start: d(2026, 12, 25), end: d(2027, 1, 25) });
    }

    #[test]
    fn month_end_anchors_clamp_to_short_months() {
        // Anchored on the 31st: February periods end on its last day, leap or not.
        assert_eq!(period_containing(31, d(2026, 2, 10)), Period { start: d(2026, 1, 31), end: d(2026, 2, 28) });
        assert_eq!(period_containing(31, d(2024, 2, 10)), Period { start: d(2024, 1, 31), end: d(2024, 2, 29) });
        assert_eq!(period_containing(31, d(2024, 2, 29)), Period { start: d(2024, 2, 29), end: d(2024, 3, 31) });
        assert_eq!(period_containing(30, d(2026, 3, 1)), Period { start: d(2026, 2, 28), end: d(2026, 3, 30) });
        assert_eq!(period_containing(29, d(2025, 2, 28)), Period { start: d(2025, 2, 28), end: d(2025, 3, 29) });
    }

    #[test]
    fn whole_period_costs_the_full_price() {
        let p = period_containing(1, d(2026, 11, 1));
        assert_eq!(p.days(), 30);
        assert_eq!(prorate(1500, 2, p, p.start), 3000);
    }

    #[test]
    fn per_day_proration_rounds_half_up() {
        let p = period_containing(1, d(2026, 11, 1)); // 30 days
        // 15 of 30 days left: exactly half.
        assert_eq!(prorate(1500, 1, p, d(2026, 11, 16)), 750);
        // 10 of 30 days: 1500 × 10 / 30 = 500.
        assert_eq!(prorate(1500, 1, p, d(2026, 11, 21)), 500);
        // 7 of 30 days at 1000: 233.33 → 233; at 1001: 233.566 → 234; a half rounds up.
        assert_eq!(prorate(1000, 1, p, d(2026, 11, 24)), 233);
        assert_eq!(prorate(1001, 1, p, d(2026, 11, 24)), 234);
        assert_eq!(prorate(3, 1, Period { start: 0, end: 2 }, 1), 2);
    }

    #[test]
    fn buying_on_the_last_day_charges_one_day() {
        let p = period_containing(1, d(2026, 11, 15));
        assert_eq!(prorate(3000, 1, p, p.last_day()), 100);
        // After the period it costs nothing (the caller rolls the period first).
        assert_eq!(prorate(3000, 1, p, p.end), 0);
    }

    #[test]
    fn leap_february_has_29_billable_days() {
        let p = period_containing(1, d(2024, 2, 10));
        assert_eq!(p.days(), 29);
        assert_eq!(prorate(2900, 1, p, d(2024, 2, 29)), 100);
        let p = period_containing(1, d(2026, 2, 10));
        assert_eq!(p.days(), 28);
        assert_eq!(prorate(2800, 3, p, d(2026, 2, 28)), 300);
    }

    #[test]
    fn money_is_formatted_from_minor_units() {
        assert_eq!(format_money(123_456, "USD"), "1234.56 USD");
        assert_eq!(format_money(5, "EUR"), "0.05 EUR");
        assert_eq!(format_money(-250, "USD"), "-2.50 USD");
        assert_eq!(format_day(d(2026, 2, 3)), "3\u{a0}Feb\u{a0}2026");
        assert_eq!(format_day_short(d(2026, 12, 24)), "24\u{a0}Dec");
    }
}
