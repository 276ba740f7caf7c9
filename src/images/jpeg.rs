//! Whether a JPEG file is whole: its marker segments are walked from the start-of-image marker
//! to the end-of-image marker (ITU T.81, Annex B), so a file cut short is told apart from a
//! complete one even where the decoder would paint the missing part grey without a word.
//!
//! Segments with a length are skipped by it; after a start-of-scan header the entropy-coded
//! data runs to the next marker that is neither a stuffed `FF 00` nor a restart marker
//! (`FF D0`–`FF D7`). Progressive files have several scans; each is walked the same way. An
//! end-of-image marker inside an embedded thumbnail (in an APP1 segment) is skipped with its
//! segment, so it cannot pass for the file's own.

/// `Ok(())` when the file reaches its end-of-image marker; otherwise why not.
pub(crate) fn complete(b: &[u8]) -> Result<(), String> {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return Err("no start-of-image marker".into());
    }
    let mut i = 2;
    let cut = |at: usize| {
        Err(format!(
            "the file ends at byte {} of its data, before its end-of-image marker",
            at.min(b.len())
        ))
    };
    loop {
        // Fill bytes (any number of FF) may precede a marker.
        while i < b.len() && b[i] == 0xFF && i + 1 < b.len() && b[i + 1] == 0xFF {
            i += 1;
        }
        if i + 1 >= b.len() {
            return cut(i);
        }
        if b[i] != 0xFF {
            // Stray bytes before a marker: decoders (libjpeg's next_marker) skip them with a
            // warning, and so do we.
            match memchr::memchr(0xFF, &b[i..]) {
                Some(p) => {
                    i += p;
                    continue;
                }
                None => return cut(b.len()),
            }
        }
        let m = b[i + 1];
        i += 2;
        match m {
            0xD9 => return Ok(()),
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        if i + 2 > b.len() {
            return cut(i);
        }
        let len = u16::from_be_bytes([b[i], b[i + 1]]) as usize;
        if len < 2 {
            return Err(format!("a segment of length {len} at byte {i}"));
        }
        i += len;
        if i > b.len() {
            return cut(b.len());
        }
        if m == 0xDA {
            // Entropy-coded data up to the next real marker.
            loop {
                match memchr::memchr(0xFF, &b[i..]) {
                    None => return cut(b.len()),
                    Some(p) => {
                        i += p;
                        if i + 1 >= b.len() {
                            return cut(b.len());
                        }
                        match b[i + 1] {
                            0x00 | 0xD0..=0xD7 | 0xFF => i += if b[i + 1] == 0xFF { 1 } else { 2 },
                            _ => break,
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(progressive_like: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        if progressive_like {
            // An APP1 segment holding a stray end-of-image marker, as a thumbnail would.
            let mut with = out[..2].to_vec();
            with.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD8, 0xFF, 0xD9]);
            with.extend_from_slice(&out[2..]);
            out = with;
        }
        out
    }

    #[test]
    fn whole_files_pass_and_cut_ones_do_not() {
        for thumb in [false, true] {
            let b = jpeg(thumb);
            assert_eq!(complete(&b), Ok(()));
            // Bytes after the end-of-image marker (some cameras append data) are fine.
            let mut tail = b.clone();
            tail.extend_from_slice(b"trailing");
            assert_eq!(complete(&tail), Ok(()));
            for keep in [0.5, 0.9, 0.99] {
                let n = (b.len() as f64 * keep) as usize;
                assert!(complete(&b[..n]).is_err(), "cut at {keep}");
            }
            assert!(complete(&b[..b.len() - 1]).is_err());
        }
        assert!(complete(b"not a jpeg").is_err());
        // Stray zero bytes before a marker, which libjpeg and PIL read past.
        let b = jpeg(false);
        let mut stray = b[..2].to_vec();
        stray.extend_from_slice(&[0, 0, 0]);
        stray.extend_from_slice(&b[2..]);
        assert_eq!(complete(&stray), Ok(()));
    }
}
