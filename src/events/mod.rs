//! Recording outreach events: request validation into a [`ValidEvent`]
//! ([`input`]), the API view and who reads what ([`view`]), idempotent
//! create / upsert / replace / soft delete ([`write`]), batches
//! ([`batch`]), same-as links between agencies' reports ([`links`]) and
//! the candidates for them ([`candidates`]); changes that keep what is
//! not sent ([`patch`]: merge patches, participants added and removed). Every query is in
//! `crate::db` (`events`, `event_links`, `participants`).

pub mod batch;
pub mod batch_delete;
pub mod candidates;
pub mod claims;
pub mod delete;
pub mod groups;
mod headcounts;
pub mod input;
pub mod legal;
pub mod links;
pub mod patch;
pub mod proposals;
mod refs;
pub mod view;
pub mod write;

pub use batch::{BatchResult, Items, write_batch};
pub use candidates::{DuplicateCandidate, duplicate_candidates};
pub use delete::delete;
pub use groups::SameAs;
pub use input::{EventBody, EventInput, validate_body};
pub use links::{LinkOutcome, LinkProposal, SameAsGroup, link, unlink};
pub use view::{EventOut, Reader, Writer, page, read_one};
pub use write::{Expected, Mode, Outcome, check_writable, replace_by_id, write_one};
