//! Small JPEG thumbnails of image files, as `data:` URIs for a self-contained report.

use std::io::Cursor;
use std::path::Path;

/// Files larger than this are not read for a thumbnail.
const MAX_FILE: u64 = 64 << 20;

/// A thumbnail of the image at `path` fitting `side`×`side` pixels, as a `data:image/jpeg`
/// URI (a few KB), or `None` when the file cannot be read or decoded, or is larger than
/// `max_dimension` on a side (a decompression bomb is not decoded for a picture).
pub fn thumbnail(path: &Path, side: u32, max_dimension: u32) -> Option<String> {
    if std::fs::metadata(path).ok()?.len() > MAX_FILE {
        return None;
    }
    let (w, h) = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()?;
    if w == 0 || h == 0 || w > max_dimension || h > max_dimension {
        return None;
    }
    let img = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .decode()
        .ok()?;
    let small = img.thumbnail(side, side).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), 70)
        .encode_image(&small)
        .ok()?;
    Some(format!(
        "data:image/jpeg;base64,{}",
        crate::util::base64(&out)
    ))
}
