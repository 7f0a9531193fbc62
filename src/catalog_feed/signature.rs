//! The optional ed25519 signature over a fetched catalog: the public key from the configuration, the detached
//! `.sig` file beside the catalog, and the check that the one signs the other's exact bytes.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ed25519_dalek::{Signature, VerifyingKey};
use url::Url;

/// What `catalog_signature_key` holds, for messages: the forms [`SignatureKey::parse`] accepts.
pub const KEY_FORMS: &str = "the base64 of a 32-byte ed25519 public key (44 characters, as \
     `openssl pkey -in key.pem -pubout -outform DER | tail -c 32 | base64` prints it) or 64 hex digits";

/// The ed25519 public key catalogs must be signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureKey(VerifyingKey);

impl SignatureKey {
    /// Base64 (with or without padding) or hex of the 32 raw key bytes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex_bytes(text)
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| STANDARD_NO_PAD.decode(text))
                .ok()
        };
        let bytes: [u8; 32] = bytes
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("expected {KEY_FORMS}, got {} characters", text.len()))?;
        Self::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, String> {
        VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| "the 32 bytes are not a valid ed25519 public key".to_owned())
    }

    /// The key as configuration and the stored copy's record write it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_bytes())
    }

    /// Checks `signature` (the `.sig` file's bytes, fetched from `signature_url`) over `message`.
    pub fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        signature_url: &Url,
    ) -> Result<(), String> {
        let signature = parse_signature(signature).map_err(|e| format!("{signature_url}: {e}"))?;
        // Strict: rejects the malleable and small-order forms a plain `verify` lets through.
        self.0.verify_strict(message, &signature).map_err(|_| {
            format!(
                "{signature_url}: the signature does not match the catalog (signed with another key than \
                 catalog_signature_key, or the catalog changed after it was signed)"
            )
        })
    }
}

/// Where the detached signature of the catalog at `url` is: the same address with `.sig` added to its path.
pub fn signature_url(url: &Url) -> Url {
    let mut sig = url.clone();
    sig.set_path(&format!("{}.sig", url.path()));
    sig
}

/// The 64 raw bytes (`openssl pkeyutl -sign` writes those), or their base64 or hex as text.
fn parse_signature(bytes: &[u8]) -> Result<Signature, String> {
    if let Ok(raw) = <[u8; 64]>::try_from(bytes) {
        return Ok(Signature::from_bytes(&raw));
    }
    let text = std::str::from_utf8(bytes)
        .map(str::trim)
        .unwrap_or_default();
    let decoded = if text.len() == 128 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex_bytes(text)
    } else {
        STANDARD.decode(text).ok()
    };
    decoded
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|raw| Signature::from_bytes(&raw))
        .ok_or_else(|| {
            format!(
                "not an ed25519 signature: expected 64 raw bytes or their base64, got {} bytes",
                bytes.len()
            )
        })
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signer() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn url() -> Url {
        Url::parse("https://shop.example/kiosks/catalog.toml").unwrap()
    }

    #[test]
    fn a_key_is_read_from_base64_or_hex_and_anything_else_is_refused() {
        let public = signer().verifying_key();
        let base64 = STANDARD.encode(public.as_bytes());
        let hex: String = public
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(SignatureKey::parse(&base64).unwrap().0, public);
        assert_eq!(SignatureKey::parse(&format!(" {hex}\n")).unwrap().0, public);
        assert_eq!(
            SignatureKey::parse(base64.trim_end_matches('=')).unwrap().0,
            public
        );
        let short = SignatureKey::parse("c2hvcnQ=").unwrap_err();
        assert!(
            short.contains("32-byte ed25519 public key") && short.contains("got 8 characters"),
            "{short}"
        );
        assert!(SignatureKey::parse(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn a_signature_is_checked_over_the_exact_bytes() {
        let key = SignatureKey(signer().verifying_key());
        let sig_url = signature_url(&url());
        assert_eq!(
            sig_url.as_str(),
            "https://shop.example/kiosks/catalog.toml.sig"
        );
        let catalog = b"[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 250\n";
        let signature = signer().sign(catalog).to_bytes();
        key.verify(catalog, &signature, &sig_url).unwrap();
        key.verify(catalog, STANDARD.encode(signature).as_bytes(), &sig_url)
            .unwrap();
        let changed = b"[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 1\n";
        let error = key.verify(changed, &signature, &sig_url).unwrap_err();
        assert!(
            error.starts_with(
                "https://shop.example/kiosks/catalog.toml.sig: the signature does not match"
            ),
            "{error}"
        );
        let garbage = key.verify(catalog, b"not found", &sig_url).unwrap_err();
        assert!(garbage.contains("not an ed25519 signature"), "{garbage}");
    }
}
