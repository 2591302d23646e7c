//! A [`Profile`] as Go's `profile.proto` (uncompressed), laid out as Go's
//! `traceviewer.BuildProfile` does: one location per PC, one function per (file, name),
//! no mappings. Hand-encoded: the schema needs a few dozen lines, not a protobuf crate.

use crate::id_map::IdMap;
use crate::profiles::Profile;

struct Pb(Vec<u8>);

impl Pb {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn uint(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.varint(u64::from(field) << 3);
            self.varint(v);
        }
    }

    fn bytes(&mut self, field: u32, b: &[u8]) {
        self.varint(u64::from(field) << 3 | 2);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn packed(&mut self, field: u32, vs: impl Iterator<Item = u64>) {
        let mut inner = Pb(Vec::new());
        for v in vs {
            inner.varint(v);
        }
        self.bytes(field, &inner.0);
    }
}

#[derive(Default)]
struct StringTable {
    index: IdMap<String, u64>,
    list: Vec<String>,
}

impl StringTable {
    fn id(&mut self, s: &str) -> u64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u64;
        self.index.insert(s.to_owned(), i);
        self.list.push(s.to_owned());
        i
    }
}

/// The profile as `profile.proto` bytes; gzip them for a `.pb.gz` file.
pub fn encode_pprof(p: &Profile) -> Vec<u8> {
    let mut strs = StringTable::default();
    strs.id("");
    let mut out = Pb(Vec::new());
    let value_type = |strs: &mut StringTable, typ: &str, unit: &str| {
        let mut m = Pb(Vec::new());
        m.uint(1, strs.id(typ));
        m.uint(2, strs.id(unit));
        m.0
    };
    for (typ, unit) in [("contentions", "count"), ("delay", "nanoseconds")] {
        let vt = value_type(&mut strs, typ, unit);
        out.bytes(1, &vt);
    }

    let mut locs: IdMap<u64, u64> = IdMap::default();
    let mut funcs: IdMap<(String, String), u64> = IdMap::default();
    let (mut loc_msgs, mut func_msgs) = (Pb(Vec::new()), Pb(Vec::new()));
    for s in &p.samples {
        let mut ids = Vec::with_capacity(s.stack.len());
        for f in &s.stack {
            let next = locs.len() as u64 + 1;
            let loc = *locs.entry(f.pc).or_insert_with(|| {
                let key = (f.file.clone(), f.func.clone());
                let fid = match funcs.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = funcs.len() as u64 + 1;
                        let mut m = Pb(Vec::new());
                        m.uint(1, id);
                        let name = strs.id(&f.func);
                        m.uint(2, name);
                        m.uint(3, name);
                        m.uint(4, strs.id(&f.file));
                        func_msgs.bytes(5, &m.0);
                        funcs.insert(key, id);
                        id
                    }
                };
                let mut line = Pb(Vec::new());
                line.uint(1, fid);
                line.uint(2, f.line);
                let mut m = Pb(Vec::new());
                m.uint(1, next);
                m.uint(3, f.pc);
                m.bytes(4, &line.0);
                loc_msgs.bytes(4, &m.0);
                next
            });
            ids.push(loc);
        }
        let mut m = Pb(Vec::new());
        m.packed(1, ids.into_iter());
        m.packed(2, [s.count, s.delay_ns as u64].into_iter());
        out.bytes(2, &m.0);
    }
    out.0.extend_from_slice(&loc_msgs.0);
    out.0.extend_from_slice(&func_msgs.0);
    let period_type = value_type(&mut strs, "trace", "count");
    for s in &strs.list {
        out.bytes(6, s.as_bytes());
    }
    out.bytes(11, &period_type);
    out.uint(12, 1);
    out.0
}
