//! Remembered handles of a labelled metric, for hot paths.
//!
//! `histogram!(name, "label" => value)` builds a registry key (a vector of owned labels), hashes
//! it and looks it up in the recorder on every call: a few percent of a small request's CPU. A
//! [`Handles`] keeps the handles a call site has used, found again by comparing its own label
//! values, so the usual request allocates nothing for its metrics.

use std::sync::{PoisonError, RwLock};

/// More distinct label sets than this are not remembered (they are still recorded).
const MOST: usize = 256;

/// The handles one call site has used, by its label values `K`.
#[derive(Debug)]
pub struct Handles<K, H> {
    entries: RwLock<Vec<(K, H)>>,
}

impl<K, H> Default for Handles<K, H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, H> Handles<K, H> {
    /// An empty set, usable in a `static`.
    pub const fn new() -> Self {
        Self {
            entries: RwLock::new(Vec::new()),
        }
    }
}

impl<K, H: Clone> Handles<K, H> {
    /// The handle whose label values satisfy `matches`, registering it with `register` the first
    /// time. Before the process's recorder is installed the facade hands out handles that record
    /// nothing; those are never remembered.
    pub fn get(&self, matches: impl Fn(&K) -> bool, register: impl FnOnce() -> (K, H)) -> H {
        if !crate::metrics::installed() {
            return register().1;
        }
        let found = self
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(key, _)| matches(key))
            .map(|(_, handle)| handle.clone());
        if let Some(handle) = found {
            return handle;
        }
        let (key, handle) = register();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() < MOST && !entries.iter().any(|(known, _)| matches(known)) {
            entries.push((key, handle.clone()));
        }
        handle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_registered_once_per_label_set_once_the_recorder_is_installed() {
        crate::metrics::recorder();
        let handles: Handles<u16, u32> = Handles::new();
        let mut registered = 0;
        let mut get = |status: u16| {
            handles.get(
                |known| *known == status,
                || {
                    registered += 1;
                    (status, u32::from(status) * 10)
                },
            )
        };
        assert_eq!(get(200), 2000);
        assert_eq!(get(200), 2000);
        assert_eq!(get(404), 4040);
        assert_eq!(get(200), 2000);
        assert_eq!(registered, 2);
    }
}
