//! Every label of the page in English and Japanese, chosen from the browser's language (or the
//! URL's `lang=`) and switched from the top bar. Japanese follows the terms of Japanese Go
//! material (ゴルーチン分析, 同期ブロッキングプロファイル, スケジューラレイテンシ, …).
//!
//! The shell's static labels name their key in `data-i18n` (text), `data-i18n-html` (text
//! with markup), `data-i18n-title` (tooltip), `data-i18n-label` (aria-label) or
//! `data-i18n-placeholder`.

use super::dom::document;
use std::cell::Cell;
use wasm_bindgen::JsCast;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// `ja`, `ja-JP`, … are Japanese; everything else English.
    pub fn from_code(code: &str) -> Lang {
        if code.to_ascii_lowercase().starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }
}

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

pub fn lang() -> Lang {
    LANG.with(Cell::get)
}

/// The browser's language, unless the URL chose one.
pub fn initial(from_url: Option<&str>) -> Lang {
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    Lang::from_code(from_url.or(browser.as_deref()).unwrap_or("en"))
}

/// Sets the language without relabelling a document: native tests have none.
#[cfg(test)]
pub fn set_lang(l: Lang) {
    LANG.with(|c| c.set(l));
}

/// Switches the language and relabels the shell; views redraw themselves.
pub fn set(l: Lang) {
    LANG.with(|c| c.set(l));
    let Some(doc) = document() else { return };
    if let Some(html) = doc.document_element() {
        let _ = html.set_attribute("lang", l.code());
    }
    doc.set_title(t("title"));
    for (attribute, apply) in [
        ("data-i18n", (|e, s| e.set_text_content(Some(s))) as fn(&web_sys::Element, &str)),
        ("data-i18n-html", |e, s| e.set_inner_html(s)),
        ("data-i18n-title", |e, s| {
            let _ = e.set_attribute("title", s);
        }),
        ("data-i18n-label", |e, s| {
            let _ = e.set_attribute("aria-label", s);
        }),
        ("data-i18n-placeholder", |e, s| {
            let _ = e.set_attribute("placeholder", s);
        }),
    ] {
        let Ok(list) = doc.query_selector_all(&format!("[{attribute}]")) else { continue };
        for i in 0..list.length() {
            let Some(e) = list.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
            if let Some(key) = e.get_attribute(attribute) {
                apply(&e, t(&key));
            }
        }
    }
}

/// The label for `key` in the current language; a visible "[?]" if there is none (a test
/// checks every key the code uses is in the table).
pub fn t(key: &str) -> &'static str {
    match TABLE.iter().find(|e| e.0 == key) {
        Some(&(_, en, ja)) => {
            if lang() == Lang::Ja {
                ja
            } else {
                en
            }
        }
        None => "[?]",
    }
}

/// "{n} goroutines" with `shown` (`n` as the page writes it) for {n}, or "1 goroutine".
pub fn goroutines(n: u64, shown: &str) -> String {
    if n == 1 {
        t("goroutines.one").into()
    } else {
        t("goroutines.n").replace("{n}", shown)
    }
}

/// The timeline canvas's words, which the worker draws.
pub fn timeline_labels() -> crate::protocol::TimelineLabels {
    crate::protocol::TimelineLabels {
        time_axis: t("timeline.axis").into(),
        group: t("goroutines.n").into(),
        group_one: t("goroutines.one").into(),
        expand: t("timeline.expand").into(),
        counters: ["Goroutines", "Heap", "Threads"].map(|c| (c.to_string(), t(&format!("timeline.{c}")).into())).into(),
    }
}

/// Key, English, Japanese.
const TABLE: &[(&str, &str, &str)] = &[
    ("title", "gotv — Go execution trace viewer", "gotv — Go 実行トレースビューア"),
    ("tagline", "Go execution traces, analyzed in your browser. Nothing is uploaded.", "Go の実行トレースをブラウザ内で解析します。何もアップロードされません。"),
    ("open", "Open…", "開く…"),
    ("language", "Language", "言語"),
    ("cancel", "Cancel", "キャンセル"),
    ("drop", "Drop a <code>trace.out</code> anywhere on this page", "<code>trace.out</code> をこのページにドロップしてください"),
    ("open.file", "Open a trace file…", "トレースファイルを開く…"),
    ("open.demo", "Open the demo trace", "デモトレースを開く"),
    ("howto", "Record one with <code>runtime/trace</code>, <code>go test -trace=trace.out</code> or a flight recorder (Go 1.25+). Traces from Go 1.5 to the newest release are read here, offline.", "<code>runtime/trace</code>、<code>go test -trace=trace.out</code>、フライトレコーダー (Go 1.25+) で記録できます。Go 1.5 から最新リリースまでのトレースをオフラインで読み込みます。"),
    ("findings", "Findings", "診断結果"),
    ("tabs", "Views", "ビュー"),
    ("tab.timeline", "Timeline", "タイムライン"),
    ("tab.goroutines", "Goroutines", "ゴルーチン分析"),
    ("tab.profiles", "Profiles", "プロファイル"),
    ("tab.gc", "GC & memory", "GC とメモリ"),
    ("tab.tasks", "Tasks & regions", "タスクとリージョン"),
    ("lanes.per", "Lanes per", "レーンの単位"),
    ("lanes.proc", "P (processor)", "P (プロセッサ)"),
    ("lanes.thread", "M (thread)", "M (スレッド)"),
    ("fit", "Fit all", "全体を表示"),
    ("fit.title", "Fit the whole trace (0)", "トレース全体を表示 (0)"),
    ("keys", "Keys ?", "キー操作 ?"),
    ("keys.title", "Keyboard shortcuts (?)", "キーボードショートカット (?)"),
    ("hint", "W/S zoom · A/D pan · drag · click a span for its goroutine", "W/S 拡大縮小 · A/D 移動 · ドラッグ · スパンをクリックでゴルーチン表示"),
    ("keys.heading", "Keys", "キー操作"),
    ("keys.ws", "zoom in / out at the mouse", "マウス位置で拡大 / 縮小"),
    ("keys.ad", "pan left / right", "左 / 右へ移動"),
    ("keys.drag", "drag", "ドラッグ"),
    ("keys.drag.what", "pan in time and scroll the lanes", "時間方向の移動とレーンのスクロール"),
    ("keys.wheel", "wheel", "ホイール"),
    ("keys.wheel.what", "scroll the lanes; with Shift pan; with Ctrl (or pinch) zoom", "レーンをスクロール、Shift で移動、Ctrl (またはピンチ) で拡大縮小"),
    ("keys.dblclick", "double-click", "ダブルクリック"),
    ("keys.dblclick.what", "zoom in", "拡大"),
    ("keys.fit", "fit the whole trace", "トレース全体を表示"),
    ("keys.click", "click", "クリック"),
    ("keys.click.what", "select a goroutine: its events, stacks and flow arrows", "ゴルーチンを選択: イベント、スタック、フロー矢印"),
    ("keys.help", "show or hide this list", "この一覧の表示 / 非表示"),
    ("close", "Close", "閉じる"),
    ("details", "Details", "詳細"),
    ("field.file", "file", "ファイル"),
    ("field.format", "format", "形式"),
    ("field.size", "size", "サイズ"),
    ("field.duration", "duration", "期間"),
    ("field.events", "events", "イベント数"),
    ("field.goroutines", "goroutines", "ゴルーチン数"),
    ("field.GC cycles", "GC cycles", "GC サイクル数"),
    ("format.written", "{format} trace (written by {writers})", "{format} トレース ({writers} が出力)"),
    ("severity.critical", "critical", "重大"),
    ("severity.warning", "warning", "警告"),
    ("severity.info", "info", "情報"),
    ("all.clear", "No problems found: no goroutine explosion, lock contention, GC pressure, idle Ps or long scheduling waits.", "問題は見つかりませんでした: ゴルーチンの爆発、ロック競合、GC 負荷、アイドル P、長いスケジューリング待ちはありません。"),
    ("evidence", "Show the evidence", "根拠を表示"),
    ("finding.unbounded-goroutines", "{created} goroutines started by one go statement{at}, up to {peak} alive at once for {procs} Ps, living {life} on average", "1 つの go 文{at}から {created} 個のゴルーチンが生成され、P {procs} 個に対して最大 {peak} 個が同時に存在、平均寿命は {life}"),
    ("finding.lock-contention", "goroutines waited {delay} on a mutex{at}: {share} of all sync blocking, {waiters} goroutines waiting on average", "ゴルーチンがミューテックス{at}で合計 {delay} 待機: 同期ブロッキング全体の {share}、平均 {waiters} 個のゴルーチンが待機"),
    ("finding.gc-pressure", "{cycles} GC cycles ({per_s}/s): GC marking {mark} of wall time, stop-the-world {stw}, {assisting} goroutines in mark assist on average", "GC サイクル {cycles} 回 ({per_s} 回/秒): GC マークが実時間の {mark}、ストップ・ザ・ワールド {stw}、マークアシスト中のゴルーチンは平均 {assisting} 個"),
    ("finding.idle-procs", "Ps ran goroutines {busy} of the time while {runnable} goroutines were runnable on average", "P がゴルーチンを実行していたのは時間の {busy} のみ、その間に実行可能なゴルーチンは平均 {runnable} 個"),
    ("finding.sched-latency", "the slowest 1% of {waits} waits for a P took over {p99} (longest {max}): runnable goroutines outnumber Ps", "P を待った {waits} 回のうち最も遅い 1% は {p99} 超 (最長 {max}): 実行可能なゴルーチンが P より多い"),
    ("finding.at.go", " at {where}", " ({where})"),
    ("finding.at.lock", " in {where}", " ({where})"),
    ("col.group", "Group", "グループ"),
    ("col.count", "Count", "数"),
    ("col.exec", "Execution", "実行時間"),
    ("col.sched_wait", "Scheduler wait", "スケジューラ待ち"),
    ("col.blocked", "Blocked", "ブロック"),
    ("col.block", "Block", "ブロック"),
    ("col.syscall", "Syscall", "システムコール"),
    ("col.syscall_block", "Syscall block", "システムコールでのブロック"),
    ("col.gc_assist", "GC assist", "GC アシスト"),
    ("col.gc_sweep", "GC sweep", "GC スイープ"),
    ("col.unknown", "Unknown", "不明"),
    ("col.total", "Total", "合計"),
    ("col.goroutine", "Goroutine", "ゴルーチン"),
    ("col.breakdown", "Breakdown", "内訳"),
    ("part.exec", "execution", "実行"),
    ("part.sched_wait", "scheduler wait", "スケジューラ待ち"),
    ("part.blocked", "blocked", "ブロック"),
    ("part.syscall", "syscall", "システムコール"),
    ("part.unknown", "unknown", "不明"),
    ("group.inactive", "(Inactive, no stack trace sampled)", "(非アクティブ、スタックトレースなし)"),
    ("goroutines.n", "{n} goroutines", "{n} 個のゴルーチン"),
    ("goroutines.one", "1 goroutine", "1 個のゴルーチン"),
    ("more.goroutines", "… and {n} more goroutines", "… ほか {n} 個のゴルーチン"),
    ("more.goroutine", "… and 1 more goroutine", "… ほか 1 個のゴルーチン"),
    ("goroutines.hint", "Click a group for its goroutines, a goroutine for its lane in the timeline.", "グループをクリックするとゴルーチン一覧、ゴルーチンをクリックするとタイムライン上のレーンを表示します。"),
    ("col.self", "Self", "自身"),
    ("col.state", "State", "状態"),
    ("details.created_by", "Created by ", "作成元: "),
    ("details.by", "by", "←"),
    ("details.with", "with", "相手"),
    ("details.more", "… and {n} more events", "… ほか {n} 件のイベント"),
    ("progress.opening", "Opening {name}…", "{name} を開いています…"),
    ("progress.old_format", "Decoding {name}: old-format traces (Go 1.21 and before) keep their stacks and clock frequency at the end, so the whole file is read before any event is shown ({read} of {total} read)…", "{name} をデコード中: 旧形式のトレース (Go 1.21 以前) はスタックとクロック周波数を末尾に持つため、ファイル全体を読んでからイベントを表示します ({total} 中 {read} 読み込み済み)…"),
    ("progress.decoding", "Decoding {name}: {read} of {total}, {events} events, generation {generation}…", "{name} をデコード中: {total} 中 {read}、{events} イベント、世代 {generation}…"),
    ("progress.analysing", "Analysing {name}: {events} events…", "{name} を解析中: {events} イベント…"),
    // Decoding errors, worded as the decoder's `Display` (and so the CLI) words them in English.
    ("error.not_a_trace", "not a Go execution trace: it starts with {found} instead of \"go 1.N trace\" (record one with runtime/trace, go test -trace or a flight recorder)", "Go の実行トレースではありません: 先頭が \"go 1.N trace\" ではなく {found} です (runtime/trace、go test -trace、フライトレコーダーで記録したものを開いてください)"),
    ("error.unsupported", "unsupported trace version go 1.{minor}: no Go release writes it", "未対応のトレース形式 go 1.{minor} です: この形式を書く Go のリリースはありません"),
    ("error.truncated", "trace is truncated: it ends inside {what}", "トレースが途中で切れています: {what} の途中で終わっています"),
    ("error.malformed", "corrupt trace: {what}", "トレースが壊れています: {what}"),
    ("error.too_big", "trace is too big for {budget} MB of memory (all of it would need about {need} MB): the rest of the file is not read", "トレースが大きすぎてメモリ {budget} MB に収まりません (全体ではおよそ {need} MB 必要です): ファイルの残りは読み込んでいません"),
    ("error.too_big_whole", "trace is too big for {budget} MB of memory: traces of Go 1.21 and older are read whole, and this one would need about {need} MB", "トレースが大きすぎてメモリ {budget} MB に収まりません: Go 1.21 以前のトレースは全体を一度に読み込むため、これにはおよそ {need} MB 必要です"),
    ("error.at", " (at byte offset {offset})", " (バイトオフセット {offset})"),
    ("error.at_generation", " (at byte offset {offset}, generation {generation})", " (バイトオフセット {offset}、世代 {generation})"),
    ("error.cli", "; the gotv command reads it whole", "。gotv コマンドなら全体を読めます"),
    ("error.shown", ". Everything before that point is shown.", "。それより前の部分を表示しています。"),
    // Reading, downloading and the worker, where the browser's own reason ({why}) is kept as it
    // says it.
    ("error.unreadable", "cannot read the file at byte {offset}: {why}", "バイト {offset} でファイルを読めません: {why}"),
    ("error.changed", "cannot read the file at byte {offset}: it changed while it was read", "バイト {offset} でファイルを読めません: 読み込み中にファイルが変更されました"),
    ("error.other_site", "gotv only opens traces from its own site ({origin}); download the file and drop it here instead", "gotv は自分のサイト ({origin}) にあるトレースだけを開きます。ファイルをダウンロードして、ここにドロップしてください"),
    ("error.server", "the server answered {status}", "サーバーの応答は {status} でした"),
    ("error.start", "cannot start decoding: {why}", "デコードを始められません: {why}"),
    ("error.worker", "the decoder's worker failed: {why}", "デコーダーのワーカーが失敗しました: {why}"),
    ("error.worker_not_started", "the decoder's worker failed: it could not be started", "デコーダーのワーカーが失敗しました: 起動できませんでした"),
    ("error.fetch", "cannot fetch: {why}", "取得できません: {why}"),
    ("error.download", "download failed: {why}", "ダウンロードに失敗しました: {why}"),
    ("progress.stopped", "Stopped opening {name}.", "{name} を開くのを中止しました。"),
    ("profile.summary_cpu", "{count} samples over {stacks} stacks", "{stacks} 個のスタックで {count} サンプル"),
    ("col.function", "Function", "関数"),
    ("col.location", "File:line", "ファイル:行"),
    ("profile.kind", "Profile", "プロファイル"),
    ("profile.sync", "Synchronization blocking", "同期ブロッキングプロファイル"),
    ("profile.net", "Network blocking", "ネットワークブロッキングプロファイル"),
    ("profile.syscall", "Syscall blocking", "システムコールブロッキングプロファイル"),
    ("profile.sched", "Scheduler latency", "スケジューラレイテンシプロファイル"),
    ("profile.cpu", "CPU samples", "CPU サンプル"),
    ("profile.group", "Goroutines", "ゴルーチン"),
    ("profile.all", "All goroutines", "すべてのゴルーチン"),
    ("profile.search", "Search functions", "関数を検索"),
    ("profile.download", "Download pprof (.pb.gz)", "pprof をダウンロード (.pb.gz)"),
    ("profile.top", "Top functions", "上位の関数"),
    ("profile.summary", "{total} in {count} intervals over {stacks} stacks", "{stacks} 個のスタック、{count} 区間で合計 {total}"),
    ("profile.empty", "Nothing in this profile for this trace.", "このトレースにはこのプロファイルのデータがありません。"),
    ("flame.reset", "Reset zoom", "ズームを戻す"),
    ("flame.hint", "Click a frame to zoom into it, an ancestor to zoom out; hover for its numbers.", "フレームをクリックで拡大、祖先をクリックで縮小、ホバーで詳細を表示します。"),
    ("flame.root", "all", "すべて"),
    ("unit.samples", "samples", "サンプル"),
    ("timeline.axis", "time since start", "開始からの時間"),
    ("timeline.expand", " — click to show a lane per goroutine", " — クリックでゴルーチンごとのレーンを表示"),
    ("timeline.Goroutines", "Goroutines", "ゴルーチン"),
    ("timeline.Heap", "Heap", "ヒープ"),
    ("timeline.Threads", "Threads", "スレッド"),
    ("gc.summary", "{cycles} GC cycles, {per_s} per second (one every {interval}); marking {mark} ({mark_share} of the time); stop-the-world {stw} in {pauses} pauses ({stw_share}), the longest {longest}", "GC サイクル {cycles} 回、毎秒 {per_s} 回 ({interval} ごと)、マーク {mark} (時間の {mark_share})、ストップ・ザ・ワールド {pauses} 回で {stw} ({stw_share})、最長 {longest}"),
    ("gc.heap", "Heap and goal", "ヒープと目標"),
    ("gc.heap_alloc", "heap in use", "ヒープ使用量"),
    ("gc.heap_goal", "heap goal", "ヒープ目標"),
    ("gc.mmu", "Minimum mutator utilization (MMU)", "最小ミューテータ使用率 (MMU)"),
    ("mmu.flags", "Counted against the program:", "プログラムの時間から除くもの:"),
    ("mmu.stw", "stop-the-world", "ストップ・ザ・ワールド"),
    ("mmu.background", "background mark workers", "バックグラウンドマークワーカー"),
    ("mmu.assist", "mark assists", "マークアシスト"),
    ("mmu.sweep", "sweeping", "スイープ"),
    ("gc.worst", "Lowest utilization in 10 ms windows", "10 ms ウィンドウでの最低使用率"),
    ("gc.window", "{util} at {at}", "{at} に {util}"),
    ("gc.cycles", "GC cycles", "GC サイクル"),
    ("gc.pauses", "Stop-the-world pauses", "ストップ・ザ・ワールドによる停止"),
    ("gc.longest", "The {shown} longest of {all}, in time order", "{all} 件のうち長い {shown} 件 (時刻順)"),
    ("axis.time_ms", "time since trace start (ms)", "トレース開始からの時間 (ms)"),
    ("axis.mb", "MB", "MB"),
    ("axis.window", "window", "ウィンドウ"),
    ("axis.mmu", "MMU", "MMU"),
    ("col.n", "#", "#"),
    ("col.start", "Start", "開始"),
    ("col.mark", "Mark phase", "マークフェーズ"),
    ("col.duration", "Duration", "期間"),
    ("col.reason", "Reason", "理由"),
    ("col.type", "Type", "種類"),
    ("col.complete", "Complete", "完了"),
    ("col.mean", "Mean", "平均"),
    ("col.p50", "p50", "p50"),
    ("col.p90", "p90", "p90"),
    ("col.p99", "p99", "p99"),
    ("col.max", "Max", "最大"),
    ("col.category", "Category", "カテゴリ"),
    ("col.begins", "Begins in", "開始位置"),
    ("annotations.hint", "Click a type for its duration histogram and slowest instances; an instance opens in the timeline.", "種類をクリックすると所要時間のヒストグラムと最も遅いインスタンスを表示し、インスタンスをクリックするとタイムラインで開きます。"),
    ("annotations.tasks", "Tasks", "タスク"),
    ("annotations.regions", "Regions", "リージョン"),
    ("annotations.logs", "Logs", "ログ"),
    ("annotations.task", "Task", "タスク"),
    ("annotations.region", "Region", "リージョン"),
    ("annotations.unnamed", "(no name)", "(名前なし)"),
    ("annotations.slowest", "Slowest", "最も遅いもの"),
    ("annotations.instance", "{duration} at {at} on G{g}", "{at} に G{g} で {duration}"),
    ("log.uncategorized", "(no category)", "(カテゴリなし)"),
    ("axis.duration", "duration (bucket from)", "所要時間 (バケットの下限)"),
    ("axis.count", "count", "件数"),
];

#[cfg(test)]
mod tests {
    use super::TABLE;

    /// Every `t("…")` in the page's code, every key-like literal (`"col.exec"`, passed around
    /// before it meets `t`), and every `data-i18n*` key in the shell has a row.
    #[test]
    fn every_key_used_is_translated() {
        let sources = [
            include_str!("../../../../web/index.html"),
            include_str!("app.rs"),
            include_str!("view.rs"),
            include_str!("details.rs"),
            include_str!("nav.rs"),
            include_str!("open.rs"),
            include_str!("views/mod.rs"),
            include_str!("views/goroutines.rs"),
            include_str!("views/profiles.rs"),
            include_str!("views/flame.rs"),
            include_str!("views/gc.rs"),
            include_str!("views/annotations.rs"),
        ];
        let namespaces = [
            "col.",
            "part.",
            "tab.",
            "finding.",
            "field.",
            "severity.",
            "keys.",
            "lanes.",
            "profile.",
            "gc.",
            "mmu.",
            "axis.",
            "annotations.",
            "log.",
            "error.",
        ];
        let mut missing = Vec::new();
        for src in sources {
            for (i, piece) in src.split('"').enumerate().skip(1) {
                // Odd pieces are inside quotes (near enough for this code and HTML).
                let before = src.split('"').nth(i - 1).unwrap_or("");
                let called = [" t(", "(t(", "data-i18n=", "-html=", "-title=", "data-i18n-label=", "-placeholder="]
                    .iter()
                    .any(|p| before.ends_with(p));
                let key_like = namespaces.iter().any(|n| piece.starts_with(n)) && !piece.contains(['{', ' ']);
                if (called || key_like) && !TABLE.iter().any(|e| e.0 == piece) {
                    missing.push(piece.to_string());
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    #[test]
    fn the_timeline_canvas_has_its_words() {
        for l in [super::Lang::En, super::Lang::Ja] {
            super::LANG.with(|c| c.set(l));
            let labels = super::timeline_labels();
            let mut words = [&labels.time_axis, &labels.group, &labels.group_one, &labels.expand]
                .into_iter()
                .chain(labels.counters.iter().map(|c| &c.1));
            assert!(words.all(|w| w != "[?]"), "{l:?}: {labels:?}");
        }
        super::LANG.with(|c| c.set(super::Lang::En));
    }

    #[test]
    fn keys_are_unique() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|b| b.0 != a.0), "{} twice", a.0);
        }
    }
}
