//! Multi-round-trip input (stateless era): a handler that needs the client (elicitation,
//! sampling, roots) does not wait for it; the request ends with an `InputRequiredResult`
//! listing what it needs, and the client retries with the answers.
//!
//! Handlers are written once for both eras: they ask with a key (`context.elicit("name", …)`).
//! In the stateless era the handler runs again from the top on every retry; an [`InputRound`]
//! answers the keys it already has and records the ones it does not. Answers of earlier rounds
//! travel in the sealed `requestState`, bound to the method, the target, the caller and the
//! arguments, so they cannot be replayed elsewhere or altered.

use std::{
    collections::BTreeMap,
    sync::{Mutex, MutexGuard, PoisonError},
};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What the handler's run needs, once it returned.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum RoundOutcome {
    /// Nothing missing: the handler's result stands.
    Complete,
    /// An answer the client gave has the wrong shape.
    InvalidAnswer(String),
    /// The handler needs a capability the request did not declare.
    MissingCapability(&'static str),
    /// The handler asked for input it does not have yet: key → `{method, params}`.
    NeedsInput(Vec<(String, Value)>),
}

/// What `requestState` carries between rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct CarriedState {
    /// Every answer accepted so far.
    pub answers: BTreeMap<String, Value>,
    /// The keys asked for in the last round (only their answers are taken from the retry).
    pub asked: Vec<String>,
    /// How many rounds have run.
    pub round: u32,
}

/// The inputs of one run of a stateless handler.
#[derive(Debug, Default)]
pub(super) struct InputRound {
    answers: BTreeMap<String, Value>,
    round: u32,
    record: Mutex<Record>,
}

#[derive(Debug, Default)]
struct Record {
    asked: Vec<(String, Value)>,
    invalid: Option<String>,
    missing: Option<&'static str>,
}

impl InputRound {
    /// A round starting from `carried` (earlier rounds) plus the retry's `responses`: from a
    /// carried state only the keys it asked for are taken; without one (first round, or a client
    /// answering unprompted) every key is offered, and keys nobody asks for are ignored.
    pub(super) fn new(carried: Option<CarriedState>, responses: Map<String, Value>) -> Self {
        let (mut answers, round) = match &carried {
            Some(state) => (state.answers.clone(), state.round),
            None => (BTreeMap::new(), 0),
        };
        for (key, value) in responses {
            let expected = carried
                .as_ref()
                .is_none_or(|state| state.asked.contains(&key));
            if expected {
                answers.insert(key, value);
            }
        }
        Self {
            answers,
            round,
            record: Mutex::new(Record::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer for `key`, or `None` after recording `request` (`{method, params}`) as needed.
    pub(super) fn answer_or_ask(&self, key: &str, request: Value) -> Option<&Value> {
        if let Some(answer) = self.answers.get(key) {
            return Some(answer);
        }
        let mut record = self.lock();
        if !record.asked.iter().any(|(asked, _)| asked == key) {
            record.asked.push((key.to_owned(), request));
        }
        None
    }

    /// Records that the answer for `key` is unusable.
    pub(super) fn reject_answer(&self, key: &str, why: &str) {
        self.lock()
            .invalid
            .get_or_insert_with(|| format!("the answer for {key:?} is malformed: {why}"));
    }

    /// Records that the handler needs `capability`, which the request did not declare.
    pub(super) fn require(&self, capability: &'static str) {
        self.lock().missing.get_or_insert(capability);
    }

    /// What the run amounts to.
    pub(super) fn outcome(&self) -> RoundOutcome {
        let record = self.lock();
        if let Some(invalid) = &record.invalid {
            RoundOutcome::InvalidAnswer(invalid.clone())
        } else if let Some(capability) = record.missing {
            RoundOutcome::MissingCapability(capability)
        } else if !record.asked.is_empty() {
            RoundOutcome::NeedsInput(record.asked.clone())
        } else {
            RoundOutcome::Complete
        }
    }

    /// The state to carry into the next round, given what this round asked for.
    pub(super) fn carry(&self, asked: &[(String, Value)]) -> CarriedState {
        CarriedState {
            answers: self.answers.clone(),
            asked: asked.iter().map(|(key, _)| key.clone()).collect(),
            round: self.round + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn responses(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_first_round_asks_and_a_retry_answers() {
        let first = InputRound::new(None, Map::new());
        assert!(
            first
                .answer_or_ask("name", json!({"method": "elicitation/create"}))
                .is_none()
        );
        let RoundOutcome::NeedsInput(asked) = first.outcome() else {
            panic!()
        };
        assert_eq!(asked[0].0, "name");
        let carried = first.carry(&asked);
        assert_eq!(carried.round, 1);

        let retry = InputRound::new(
            Some(carried),
            responses(json!({"name": {"action": "accept"}, "other": 1})),
        );
        assert_eq!(
            retry.answer_or_ask("name", json!({})),
            Some(&json!({"action": "accept"}))
        );
        assert!(
            retry
                .answer_or_ask("other", json!({"method": "x"}))
                .is_none(),
            "unrequested answers are not taken"
        );
        assert_eq!(retry.carry(&[]).answers.len(), 1);
    }

    #[test]
    fn without_state_any_offered_answer_counts() {
        let round = InputRound::new(None, responses(json!({"name": 1, "extra": 2})));
        assert_eq!(round.answer_or_ask("name", json!({})), Some(&json!(1)));
        assert_eq!(
            round.outcome(),
            RoundOutcome::Complete,
            "extra keys are ignored"
        );
    }

    #[test]
    fn invalid_answers_and_missing_capabilities_win_over_questions() {
        let round = InputRound::new(None, Map::new());
        round.answer_or_ask("a", json!({}));
        round.require("sampling");
        assert_eq!(round.outcome(), RoundOutcome::MissingCapability("sampling"));
        round.reject_answer("b", "not an object");
        assert!(
            matches!(round.outcome(), RoundOutcome::InvalidAnswer(why) if why.contains("\"b\""))
        );
    }

    #[test]
    fn asking_twice_for_one_key_records_it_once() {
        let round = InputRound::new(None, Map::new());
        round.answer_or_ask("k", json!({"n": 1}));
        round.answer_or_ask("k", json!({"n": 2}));
        let RoundOutcome::NeedsInput(asked) = round.outcome() else {
            panic!()
        };
        assert_eq!(asked, vec![("k".to_owned(), json!({"n": 1}))]);
    }
}
