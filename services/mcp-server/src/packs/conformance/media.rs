//! Tiny media samples the pack returns.

/// A 1×1 red PNG, base64.
pub(super) const RED_PIXEL_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQD3A0FDAAAAAElFTkSuQmCC";

/// One millisecond of silence as an 8 kHz mono WAV, base64.
pub(super) const SILENT_WAV: &str =
    "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==";

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    #[test]
    fn samples_are_what_their_names_say() {
        let png = base64::engine::general_purpose::STANDARD
            .decode(RED_PIXEL_PNG)
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let wav = base64::engine::general_purpose::STANDARD
            .decode(SILENT_WAV)
            .unwrap();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
    }
}
