//! The one union-find (disjoint sets) of every pipeline that clusters (duplicate images,
//! documents and vectors): path halving, and the smaller index always the root, so a cluster is
//! represented by its first member whatever the order of the unions.

/// Disjoint sets over `0..n` (at most `u32::MAX` elements).
#[derive(Clone, Debug)]
pub struct UnionFind(Vec<u32>);

impl UnionFind {
    /// `n` sets of one element each.
    pub fn new(n: usize) -> UnionFind {
        assert!(n <= u32::MAX as usize, "union-find over {n} elements");
        UnionFind((0..n as u32).collect())
    }

    /// The root of `i`'s set: its smallest element.
    pub fn find(&mut self, i: usize) -> usize {
        let mut i = i as u32;
        while self.0[i as usize] != i {
            let p = self.0[self.0[i as usize] as usize];
            self.0[i as usize] = p;
            i = p;
        }
        i as usize
    }

    /// Join the sets of `a` and `b`; whether they were apart.
    pub fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb) as u32;
        }
        ra != rb
    }

    /// The root of every element.
    pub fn roots(&mut self) -> Vec<usize> {
        (0..self.0.len()).map(|i| self.find(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::UnionFind;

    #[test]
    fn the_smallest_member_is_the_root_whatever_the_order() {
        let pairs = [(5, 3), (3, 9), (1, 7), (7, 9), (2, 4)];
        let mut a = UnionFind::new(10);
        for &(x, y) in &pairs {
            a.union(x, y);
        }
        let mut b = UnionFind::new(10);
        for &(x, y) in pairs.iter().rev() {
            b.union(y, x);
        }
        assert_eq!(a.roots(), b.roots());
        assert_eq!(a.roots(), [0, 1, 2, 1, 2, 1, 6, 1, 8, 1]);
        assert!(!a.union(3, 7));
    }
}
