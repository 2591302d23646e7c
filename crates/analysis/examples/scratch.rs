fn main() {
    let p = std::env::args().nth(1).unwrap();
    let data = std::fs::read(&p).unwrap();
    let d = gotv_decode::v1::decode(&data);
    for ev in d.trace.events() {
        println!("{ev}");
    }
}
