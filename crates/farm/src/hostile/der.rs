//! Just enough DER (ITU-T X.690) to give the farm's test certificate
//! other names: walk its TBSCertificate, swap issuer and subject for
//! built ones, and keep every other byte. The certificate's signature no
//! longer matches, which is the point: aimap accepts any certificate and
//! must cope with whatever it is shown. The key stays the same, so the
//! TLS handshake itself still verifies.

/// One element: (tag, content, total length including the header).
fn element(b: &[u8]) -> Option<(u8, &[u8], usize)> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for &x in b.get(2..2 + n)? {
            len = len << 8 | usize::from(x);
        }
        (len, 2 + n)
    };
    let content = b.get(header..header + len)?;
    Some((tag, content, header + len))
}

/// Every element of a constructed value's content, as whole encodings.
fn children(mut content: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (_, _, total) = element(content)?;
        out.push(&content[..total]);
        content = &content[total..];
    }
    Some(out)
}

/// A tag-length-value encoding.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const UTF8_STRING: u8 = 0x0c;
const OID: u8 = 0x06;

/// An X.501 Name of one RDN per `(attribute OID content, value)`.
pub(crate) fn name(rdns: &[(&[u8], String)]) -> Vec<u8> {
    let mut seq = Vec::new();
    for (oid, value) in rdns {
        let mut atv = tlv(OID, oid);
        atv.extend(tlv(UTF8_STRING, value.as_bytes()));
        seq.extend(tlv(SET, &tlv(SEQUENCE, &atv)));
    }
    tlv(SEQUENCE, &seq)
}

/// `cert` with its issuer and subject replaced; None if it is not a
/// v3 certificate as expected.
pub(crate) fn with_names(cert: &[u8], issuer: &[u8], subject: &[u8]) -> Option<Vec<u8>> {
    let (SEQUENCE, body, _) = element(cert)? else {
        return None;
    };
    let parts = children(body)?;
    let [tbs, signature_algorithm, signature] = parts.as_slice() else {
        return None;
    };
    let (SEQUENCE, tbs_body, _) = element(tbs)? else {
        return None;
    };
    // version [0], serial, signature, issuer, validity, subject, key, extensions...
    let mut fields = children(tbs_body)?;
    if fields.len() < 7 || fields[0].first() != Some(&0xa0) {
        return None;
    }
    fields[3] = issuer;
    fields[5] = subject;
    let tbs = tlv(SEQUENCE, &fields.concat());
    Some(tlv(
        SEQUENCE,
        &[&tbs[..], *signature_algorithm, *signature].concat(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_in_short_and_long_form() {
        for len in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let e = tlv(0x04, &vec![7; len]);
            let (tag, content, total) = element(&e).unwrap();
            assert_eq!((tag, content.len(), total), (0x04, len, e.len()));
        }
        assert!(element(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(element(&[0x30, 0x05, 1]).is_none());
    }
}
