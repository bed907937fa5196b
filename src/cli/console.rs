//! `drconsole console`. SKELETON: replaced by the helper that owns it.

pub fn run() -> anyhow::Result<i32> {
    anyhow::bail!("`console` is not built yet")
}
