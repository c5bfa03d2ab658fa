//! Typed configuration from environment variables.
//!
//! A service describes its settings as one `serde` struct and loads it with [`from_env`], which
//! first reads a `.env` file from the working directory (variables already set in the process
//! win), then deserializes with `envy`. Tests build the same struct with [`from_pairs`] and never
//! touch the process environment.

use serde::de::DeserializeOwned;

/// A service's validated configuration, built from a raw `envy` struct.
///
/// Implementors write [`Configuration::from_raw`] (the checks); [`Configuration::from_env`] (for
/// processes) and [`Configuration::from_pairs`] (for tests) come with it.
pub trait Configuration: Sized {
    /// The environment as `envy` reads it: one field per variable, defaults applied.
    type Raw: DeserializeOwned;

    /// Checks the raw settings and builds the configuration.
    fn from_raw(raw: Self::Raw) -> Result<Self, ConfigError>;

    /// Reads the configuration from the process environment (and `.env`).
    fn from_env() -> Result<Self, ConfigError> {
        Self::from_raw(from_env()?)
    }

    /// Builds the configuration from explicit `(NAME, value)` pairs; what tests use.
    fn from_pairs<I, K, V>(pairs: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self::from_raw(from_pairs(pairs)?)
    }
}

/// Exit status for a configuration error (`EX_CONFIG` from `sysexits.h`).
pub const EXIT_CONFIG: i32 = 78;

/// A setting that could not be read; the message names the variable and what was wrong.
#[derive(Debug)]
pub struct ConfigError(String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// Builds an error from a message that already names the variable at fault.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl From<envy::Error> for ConfigError {
    fn from(error: envy::Error) -> Self {
        match error {
            envy::Error::MissingValue(name) => {
                Self(format!("{} is required", name.to_ascii_uppercase()))
            }
            envy::Error::Custom(message) => Self(upper_case_field_names(&message)),
        }
    }
}

/// envy reports serde field names (`port`); users know the variable (`PORT`).
fn upper_case_field_names(message: &str) -> String {
    // serde messages quote the field in backticks: "invalid digit found in string while parsing `port`"
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for ch in message.chars() {
        if ch == '`' {
            in_quote = !in_quote;
            out.push(ch);
        } else if in_quote {
            out.push(ch.to_ascii_uppercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Reads `.env` (if present) into the process environment, then deserializes `T` from it.
pub fn from_env<T: DeserializeOwned>() -> Result<T, ConfigError> {
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(error) if error.not_found() => {}
        Err(error) => return Err(ConfigError(format!(".env could not be read: {error}"))),
    }
    Ok(envy::from_env::<T>()?)
}

/// Deserializes `T` from explicit `(NAME, value)` pairs, as the environment would hold them.
pub fn from_pairs<T, I, K, V>(pairs: I) -> Result<T, ConfigError>
where
    T: DeserializeOwned,
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    let pairs = pairs.into_iter().map(|(k, v)| (k.into(), v.into()));
    Ok(envy::from_iter::<_, T>(pairs)?)
}

/// Prints one line naming the bad setting to stderr and exits with [`EXIT_CONFIG`].
pub fn exit_on_error<T>(service: &str, loaded: Result<T, ConfigError>) -> T {
    match loaded {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{service}: invalid configuration: {error}");
            std::process::exit(EXIT_CONFIG);
        }
    }
}

/// Parses a boolean setting: `true`/`1` or `false`/`0`/empty (case-insensitive). Anything else
/// is an error, so a typo never silently flips a security switch.
pub fn parse_flag(name: &str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        other => Err(ConfigError(format!(
            "{name} must be true or false (got {other:?})"
        ))),
    }
}

/// Checks that a count or duration setting is not zero.
pub fn positive(name: &str, value: u64) -> Result<(), ConfigError> {
    if value == 0 {
        return Err(ConfigError(format!("{name} must be greater than 0")));
    }
    Ok(())
}

/// Splits a comma-separated list, trimming blanks and dropping empty items.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests;
