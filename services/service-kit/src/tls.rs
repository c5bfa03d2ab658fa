//! The TLS crypto provider for outbound HTTPS: rustls on ring, installed once per process
//! before any HTTP client is built (reqwest refuses to build one without it).

/// Installs ring as the process-wide rustls provider; does nothing if one is installed.
pub fn install_crypto_provider() {
    // An error only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    #[test]
    fn installing_twice_is_harmless_and_clients_build() {
        super::install_crypto_provider();
        super::install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
