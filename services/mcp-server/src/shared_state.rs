//! The Redis backends' common parts: the key layout, versioned records, and this replica's
//! pub/sub. The stores themselves live beside their traits (`session::redis`, `tasks::redis`,
//! `bus::redis`).

pub(crate) mod fanout;
pub(crate) mod keys;
pub(crate) mod records;
