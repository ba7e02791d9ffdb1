//! Use cases. Each loads the facts it needs, asks the shared policy, then writes — inside one
//! transaction where it reads before writing.
pub mod accounts;
pub mod bots;
