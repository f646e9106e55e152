//! What the recording keeps of a chunk of output until its writer takes it: the bytes, except
//! that a stretch of bytes that are never part of a character (see
//! [`crate::utf8::never_in_a_character`]) around a block of one of them repeated is kept as a
//! count. The recording holds each such byte as a U+FFFD whatever comes around it, so the count
//! loses nothing, and a flood of them (an erased flash image, `tr '\0' '\377'`) costs the relay
//! a scan of bytes it has just read instead of a copy of each into memory it has not touched
//! lately: the copy that made such a flood come through ~1.5× later under `--record` on two
//! cores.

use crate::utf8::{never_in_a_character, stretch};

/// How long a stretch must be to be kept as a count, and the step it is looked for in: a
/// block's first byte decides whether the rest is looked at, so text costs one test in 64.
const BLOCK: usize = 64;

/// Where a kept chunk leaves out a stretch of bytes that are never part of a character: at
/// this offset in its kept bytes, this many of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub at: usize,
    pub len: usize,
}

/// Appends what is kept of `bytes` to `kept`, and its stretches, their offsets counted from
/// where it starts, to `stretches`; returns how many bytes it appended.
pub fn keep(bytes: &[u8], kept: &mut Vec<u8>, stretches: &mut Vec<Stretch>) -> usize {
    let start = kept.len();
    let mut copied = 0;
    let mut i = 0;
    while let Some(&first) = bytes.get(i) {
        // A stretch starts with a whole block of one such byte: a flood is one byte over and
        // over, and looking for blocks of a mix cost the relay more than it saved.
        let alike = if never_in_a_character(first) {
            stretch(&bytes[i..], |byte| byte == first)
        } else {
            0
        };
        if alike < BLOCK {
            i += BLOCK;
            continue;
        }
        let mut begin = i;
        while begin > copied && never_in_a_character(bytes[begin - 1]) {
            begin -= 1;
        }
        let mut end = i + alike;
        while bytes
            .get(end)
            .is_some_and(|&byte| never_in_a_character(byte))
        {
            end += 1;
        }
        kept.extend_from_slice(&bytes[copied..begin]);
        stretches.push(Stretch {
            at: kept.len() - start,
            len: end - begin,
        });
        (copied, i) = (end, end);
    }
    kept.extend_from_slice(&bytes[copied..]);
    kept.len() - start
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a chunk becomes again from what is kept of it, each left-out byte written as 0xFF
    /// (any of them would do: the recording writes each as a U+FFFD).
    fn restored(kept: &[u8], stretches: &[Stretch]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut from = 0;
        for stretch in stretches {
            out.extend_from_slice(&kept[from..stretch.at]);
            out.resize(out.len() + stretch.len, 0xff);
            from = stretch.at;
        }
        out.extend_from_slice(&kept[from..]);
        out
    }

    /// `bytes` with each byte never in a character written as 0xFF: what a recording cannot
    /// tell apart made the same.
    fn as_ff(bytes: &[u8]) -> Vec<u8> {
        bytes
            .iter()
            .map(|&b| if never_in_a_character(b) { 0xff } else { b })
            .collect()
    }

    #[test]
    fn a_flood_of_bytes_never_in_a_character_is_kept_as_one_count() {
        let (mut kept, mut stretches) = (Vec::new(), Vec::new());
        assert_eq!(keep(&[0xff; 4096], &mut kept, &mut stretches), 0);
        assert_eq!(stretches, [Stretch { at: 0, len: 4096 }]);
    }

    /// Text, short stretches and bytes that may be part of a character are copied as they are;
    /// a stretch over a whole block of one such byte is counted from its first byte to its
    /// last, whatever other such bytes are at its edges.
    #[test]
    fn only_long_stretches_are_counted_and_nothing_is_lost() {
        let mut chunk = b"text \xe2\x94\x80 \xff\xc0 and ".to_vec();
        chunk.extend_from_slice(&[0xc1; 140]);
        chunk.extend_from_slice(b"\x80\x80 more");
        chunk.extend_from_slice(&[0xfe, 0xf5].repeat(40));
        chunk.extend_from_slice(&[0xff; 150]);
        chunk.extend_from_slice(b" short ");
        chunk.extend_from_slice(&[0xff; BLOCK - 1]);
        let (mut kept, mut stretches) = (b"before".to_vec(), Vec::new());
        let len = keep(&chunk, &mut kept, &mut stretches);
        assert_eq!(len, kept.len() - 6);
        assert_eq!(len, 16 + 7 + 7 + BLOCK - 1);
        assert_eq!(
            stretches,
            [Stretch { at: 16, len: 140 }, Stretch { at: 23, len: 230 }]
        );
        assert_eq!(as_ff(&restored(&kept[6..], &stretches)), as_ff(&chunk));
    }

    /// Chunks made of runs of the bytes that matter, of every length up to a few blocks, come
    /// back whole.
    #[test]
    fn any_chunk_comes_back_whole() {
        let alphabet = [b'a', 0x80, 0xc0, 0xe2, 0xff, 0xff, 0xf5];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % below as u64).unwrap()
        };
        let mut counted = 0;
        for _ in 0..3000 {
            let mut chunk = Vec::new();
            for _ in 0..next(6) {
                let byte = alphabet[next(alphabet.len())];
                chunk.resize(chunk.len() + next(3 * BLOCK), byte);
            }
            let (mut kept, mut stretches) = (Vec::new(), Vec::new());
            keep(&chunk, &mut kept, &mut stretches);
            assert_eq!(
                as_ff(&restored(&kept, &stretches)),
                as_ff(&chunk),
                "{chunk:x?}"
            );
            assert!(stretches.iter().all(|s| s.len >= BLOCK));
            counted += usize::from(!stretches.is_empty());
        }
        assert!(counted > 300, "{counted} chunks had a stretch counted");
    }
}
