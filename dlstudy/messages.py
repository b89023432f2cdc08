"""Problem and error messages in Chinese: English is the source, translated where it is printed.

Messages are built in English where the problem is found (decks, derivations, settings), kept
in English in the library cache and in tests, and translated at the point of output by
:func:`tr`. The catalogue maps each English template to its Chinese one; ``{name}`` stands for
a part copied over (a path, an id, a number). A part named ``inner`` is itself a message and is
translated in turn (``card `x` question.en: {inner}``). A message the catalogue does not know
is printed as it is. Only ``re`` is imported: ``list`` and ``quiz`` stay light.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# (English template, Chinese template). The first template that matches the whole message wins,
# so a specific one goes before a general one it would also match, and a prefix or a suffix
# around another message (``{inner}``) goes before any message that could swallow it.
CATALOGUE: tuple[tuple[str, str], ...] = (
    # --- suffixes shared by many messages (the rest is translated in turn) ---
    ("{inner} (at top level)", "{inner}（位置：顶层）"),
    ("{inner} (at end of document)", "{inner}（位置：文件末尾）"),
    ("{inner} (at {where})", "{inner}（位置：{where}）"),
    ("{inner} — did you mean `{near}`?", "{inner} —— 是不是 `{near}`？"),
    ("{inner} — its module did not load (see the problem reported for it)",
     "{inner} —— 它的模块没有载入（见为该模块报告的问题）"),
    ("{inner} — is a value containing ': ' or '#' missing its quotes?",
     "{inner} —— 是否有含 ': ' 或 '#' 的值缺了引号？"),
    ("{inner} (see dlstudy/exercises/ for the generators)",
     "{inner}（生成器见 dlstudy/exercises/）"),
    # --- export targets (before the general path messages, which would match them) ---
    ("--lang must be en, zh or both, not {value}", "--lang 必须是 en、zh 或 both，而不是 {value}"),
    ("cannot write {path} — it is a folder; give a file name", "无法写入 {path} —— 它是一个文件夹；请给出文件名"),
    ("cannot write {path} — {folder} is a file, not a folder", "无法写入 {path} —— {folder} 是文件，不是文件夹"),
    ("cannot write {path} — the folder {folder} does not exist", "无法写入 {path} —— 文件夹 {folder} 不存在"),
    ("cannot write {path} — the folder {folder} is not writable", "无法写入 {path} —— 文件夹 {folder} 不可写"),
    ("cannot write {path} — the file is not writable", "无法写入 {path} —— 该文件不可写"),
    ("cannot write {path} — {reason}", "无法写入 {path} —— {reason}"),
    ("no card matches {options}", "没有卡片符合 {options}"),
    # --- the prefix of a problem in a card's text (`id` and `field` hold no backquote, so no
    # other message about a card matches it) ---
    ("card `{id}` {field}: {inner}", "卡片 `{id}` 的 {field}：{inner}"),
    ("each claim: {inner}", "论断：{inner}"),
    ("TITLE: {inner}", "TITLE：{inner}"),
    # --- decks: reading and YAML ---
    ("not a regular file; a deck is a YAML file", "不是普通文件；卡组应是一个 YAML 文件"),
    ("file is larger than {n} MB; split the deck into several files",
     "文件大于 {n} MB；请把卡组拆成几个文件"),
    ("cannot read file: {reason}", "无法读取文件：{reason}"),
    ("unreadable YAML value: cannot read the value `{value}` as {tag} ({reason})",
     "无法读取的 YAML 值：不能把 `{value}` 读作 {tag}（{reason}）"),
    ("unreadable YAML value: an integer of {n} characters is too long (at most {limit}); quote "
     "it if it is text",
     "无法读取的 YAML 值：整数长达 {n} 个字符，太长（最多 {limit}）；如果它是文本，请加引号"),
    ("unreadable YAML value: {inner}", "无法读取的 YAML 值：{inner}"),
    ("the control character U+{code} is not allowed in YAML; write it as an escape in a "
     "double-quoted string, or (in card text) leave it out",
     "YAML 中不允许控制字符 U+{code}；请在双引号字符串里写成转义序列，或（在卡片文字中）删去它"),
    ("YAML syntax error: {inner}", "YAML 语法错误：{inner}"),
    ("the YAML is nested too deeply to read", "YAML 嵌套太深，无法读取"),
    ("aliases expand this deck to more than {what} values (each `*name` repeats everything its "
     "`&name` anchors, here from this line on); write the values out or repeat fewer aliases",
     "别名把这个卡组展开到超过 {what} 个值（每个 `*name` 都会重复其 `&name` 锚定的全部内容，"
     "这里从本行开始）；请直接写出这些值，或少重复一些别名"),
    ("aliases expand this deck to more than {what} characters (each `*name` repeats everything "
     "its `&name` anchors, here from this line on); write the values out or repeat fewer aliases",
     "别名把这个卡组展开到超过 {what} 个字符（每个 `*name` 都会重复其 `&name` 锚定的全部内容，"
     "这里从本行开始）；请直接写出这些值，或少重复一些别名"),
    ("this value contains an alias (`*name`) to itself (or a merge `<<:` of itself); a value "
     "cannot contain itself — remove that alias",
     "这个值包含指向自身的别名（`*name`）（或合并 `<<:` 了自身）；值不能包含自身 —— 请删去该别名"),
    ("key `{key}` appears twice (first on line {line}); YAML keeps only the last — remove one",
     "键 `{key}` 出现了两次（第一次在第 {line} 行）；YAML 只保留最后一个 —— 请删去其一"),
    # --- decks: schema ---
    ("empty deck: expected `topic`, `title` and `cards`",
     "空卡组：应有 `topic`、`title` 和 `cards`"),
    ("expected `topic`, `title` and `cards` at the top level",
     "顶层应有 `topic`、`title` 和 `cards`"),
    ("missing required field `{name}`", "缺少必填字段 `{name}`"),
    ("unknown field `{name}` (check the spelling; see README, 'Adding a card')",
     "未知字段 `{name}`（请检查拼写；见 README 的“Adding a card”一节）"),
    ("not a derivation id: lowercase letters, digits and '_', starting with a letter",
     "不是合法的推导 id：只能用小写字母、数字和 '_'，并以字母开头"),
    ("not an id: ids, tags and topics are lowercase letters, digits and '-' (no spaces or line "
     "breaks)",
     "不是合法的 id：id、标签和主题只能用小写字母、数字和 '-'（不能有空格或换行）"),
    ("Invalid enum value {value}; `{name}` is one of: {choices}",
     "无效的取值 {value}；`{name}` 只能是：{choices}"),
    ("Invalid enum value {value}", "无效的取值 {value}"),
    ("Expected `{type}`, got `{got}`", "应为 `{type}`，实际是 `{got}`"),
    ("Expected `{type}` of length >= {n}", "应为长度 ≥ {n} 的 `{type}`"),
    ("Expected `{type}` of length <= {n}", "应为长度 ≤ {n} 的 `{type}`"),
    ("Expected `{type}` >= {n}", "应为 ≥ {n} 的 `{type}`"),
    ("Expected `{type}` <= {n}", "应为 ≤ {n} 的 `{type}`"),
    ("Expected `{type}` > {n}", "应为 > {n} 的 `{type}`"),
    ("Expected `{type}` < {n}", "应为 < {n} 的 `{type}`"),
    ("Expected `{type}`", "应为 `{type}`"),
    ("a source needs one of `paper`, `seed`, `docs` or `url`",
     "来源需要 `paper`、`seed`、`docs` 或 `url` 之一"),
    ("a card of kind `exercise` needs `exercise: {generator: NAME}`",
     "`exercise` 类型的卡片需要 `exercise: {generator: NAME}`"),
    ("a card of kind `claim` needs `claim: {derivation: ID, evidence: ROW, statement: "
     "asserts|denies}`",
     "`claim` 类型的卡片需要 `claim: {derivation: ID, evidence: ROW, statement: "
     "asserts|denies}`"),
    ("`exercise:` is only for cards of `kind: exercise`", "`exercise:` 只用于 `kind: exercise` 的卡片"),
    ("`claim:` is only for cards of `kind: claim`", "`claim:` 只用于 `kind: claim` 的卡片"),
    ("{what} is only whitespace; write the text", "{what} 只有空白；请写上文字"),
    ("{what} contains the control character U+{code} at character {n}; only line breaks and tabs "
     "are allowed (escape sequences could take over the terminal)",
     "{what} 的第 {n} 个字符是控制字符 U+{code}；只允许换行和制表符（转义序列可能劫持终端）"),
    ("card `{id}` says topic `{topic}` but the deck is `{deck}`; drop the card's `topic` or move "
     "the card",
     "卡片 `{id}` 写的主题是 `{topic}`，但卡组是 `{deck}`；请删去卡片的 `topic`，或把卡片移走"),
    ("duplicate card id `{id}` (first defined at {where}); ids must be unique — pick a new id for "
     "the newer card",
     "卡片 id `{id}` 重复（首次定义于 {where}）；id 必须唯一 —— 请给较新的卡片换一个 id"),
    # --- check: links between cards and derivations ---
    ("card `{id}` links to unknown derivation `{ref}`", "卡片 `{id}` 链接了不存在的推导 `{ref}`"),
    ("card `{id}` links no derivation; every card needs `derivations: [id, ...]` that prove it",
     "卡片 `{id}` 没有链接任何推导；每张卡片都需要证明它的 `derivations: [id, ...]`"),
    ("derivation `{id}` is used by no card; link it from a card's `derivations:` or delete it",
     "推导 `{id}` 没有被任何卡片使用；请在某张卡片的 `derivations:` 中链接它，或删除它"),
    ("card `{id}` names unknown exercise generator `{name}`",
     "卡片 `{id}` 指定了不存在的练习生成器 `{name}`"),
    ("card `{id}`: claim derivation `{derivation}` does not exist",
     "卡片 `{id}`：论断所用的推导 `{derivation}` 不存在"),
    ("card `{id}`: the claim's derivation `{derivation}` must also be listed in the card's "
     "`derivations:`",
     "卡片 `{id}`：论断所用的推导 `{derivation}` 也必须列在卡片的 `derivations:` 中"),
    ("card `{id}`: derivation `{derivation}` records no row with id `{row}`; give the deciding "
     "row `id=\"{row2}\"` in {file}",
     "卡片 `{id}`：推导 `{derivation}` 没有记录 id 为 `{row}` 的证据行；请在 {file} 中给判定的那一行"
     "加上 `id=\"{row2}\"`"),
    ("{ref} names derivation `{derivation}`, which the card does not link in `derivations:`",
     "{ref} 指向推导 `{derivation}`，但卡片没有在 `derivations:` 中链接它"),
    ("{ref}: `{derivation}` records no row with id `{row}`",
     "{ref}：`{derivation}` 没有记录 id 为 `{row}` 的证据行"),
    ("{ref}: no recorded {scale}-scale value; run `{command}`",
     "{ref}：没有已记录的 {scale} 规模数值；请运行 `{command}`"),
    ("{numbers} looks measured but is typed by hand: write {{derivation.row}} to quote an "
     "evidence row, or list it under the card's `constants:` if it is a definition or formula "
     "constant",
     "{numbers} 看起来是测量值，却是手写的：请写 {{derivation.row}} 引用证据行；如果它是定义或"
     "公式中的常数，请列在卡片的 `constants:` 下"),
    ("{phrases} attributes a claim to a source the reader cannot see; state the claim itself "
     "(\"It is often said that …\", \"A common mistake is …\") and cite the paper or docs that "
     "settle it",
     "{phrases} 把说法归于读者看不到的来源；请直接陈述这个说法（如“常有人说……”“常见的错误是……”），"
     "并引用能定论的论文或文档"),
    ("placeholder {ref} is not of the form {{[full/]derivation_id.row_id[.expected][|format]}}",
     "占位符 {ref} 的格式不是 {{[full/]derivation_id.row_id[.expected][|format]}}"),
    ("placeholder {ref}: `{format}` is not a format spec for a number (try .3g, .2f, .1%, .2e)",
     "占位符 {ref}：`{format}` 不是数字的格式说明（可试 .3g、.2f、.1%、.2e）"),
    # --- derivation modules ---
    ("not a regular file; a derivation is a Python module", "不是普通文件；推导应是一个 Python 模块"),
    ("file is larger than {n} MB; a derivation module is a page or two of code",
     "文件大于 {n} MB；推导模块应只有一两页代码"),
    ("Python syntax error: {inner}", "Python 语法错误：{inner}"),
    ("an expression is nested too deeply for Python to read; split it up",
     "表达式嵌套太深，Python 无法读取；请把它拆开"),
    ("file name `{name}` is not a valid derivation id: use lowercase letters, digits and '_'",
     "文件名 `{name}` 不是合法的推导 id：请只用小写字母、数字和 '_'"),
    ("CLAIMS must be a non-empty list of {en, zh} dicts", "CLAIMS 必须是非空的 {en, zh} 字典列表"),
    ("TITLE must be a dict with non-empty `en` and `zh` strings",
     "TITLE 必须是一个字典，含非空的 `en` 和 `zh` 字符串"),
    ("each claim must be a dict with non-empty `en` and `zh` strings",
     "每条论断都必须是一个字典，含非空的 `en` 和 `zh` 字符串"),
    ("imports {module} at module level; import it inside derive()/experiment() so "
     "list/show/quiz stay fast",
     "在模块顶层导入了 {module}；请在 derive()/experiment() 内部导入，让 list/show/quiz 保持快速"),
    ("missing TITLE = {'en': ..., 'zh': ...}", "缺少 TITLE = {'en': ..., 'zh': ...}"),
    ("missing CLAIMS = [{'en': ..., 'zh': ...}, ...]", "缺少 CLAIMS = [{'en': ..., 'zh': ...}, ...]"),
    ("missing function `{name}(p)` (the symbolic part and the numeric part)",
     "缺少函数 `{name}(p)`（符号推导部分和数值实验部分）"),
    ("derivation id `{id}` already defined in {path}; rename this file",
     "推导 id `{id}` 已在 {path} 中定义；请给这个文件改名"),
    # --- settings ---
    ("unknown setting `{name}` (known: {known})", "未知设置 `{name}`（已知设置：{known}）"),
    ("lang must be \"en\" or \"zh\", not {value}", "lang 必须是 \"en\" 或 \"zh\"，而不是 {value}"),
    ("new_per_day must be a whole number from 0 to {max}, not {value}",
     "new_per_day 必须是 0 到 {max} 之间的整数，而不是 {value}"),
    ("desired_retention must be a number from 0.7 to 0.99, not {value}",
     "desired_retention 必须是 0.7 到 0.99 之间的数，而不是 {value}"),
    ("minutes_per_day must be a whole number of minutes from 1 to {max}, not {value}",
     "minutes_per_day 必须是 1 到 {max} 之间的整数分钟，而不是 {value}"),
    ("interview_date must be a date written YYYY-MM-DD (e.g. 2026-12-20), not {value}",
     "interview_date 必须是 YYYY-MM-DD 格式的日期（如 2026-12-20），而不是 {value}"),
    ("extra_folders must be a list of paths (strings)", "extra_folders 必须是路径（字符串）列表"),
    ("easy_within must be a number of seconds ≥ 0, not {value}",
     "easy_within 必须是 ≥ 0 的秒数，而不是 {value}"),
    ("hard_after must be a number of seconds ≥ 0, not {value}",
     "hard_after 必须是 ≥ 0 的秒数，而不是 {value}"),
    ("{name} must be a number of seconds ≥ 0, not {value}", "{name} 必须是 ≥ 0 的秒数，而不是 {value}"),
    ("easy_within ({easy} s) must not exceed hard_after ({hard} s)",
     "easy_within（{easy} 秒）不能大于 hard_after（{hard} 秒）"),
    ("DLSTUDY_LANG must be en or zh, not {value} (unset it to follow the locale)",
     "DLSTUDY_LANG 必须是 en 或 zh，而不是 {value}（不设置则跟随系统语言）"),
    ("cannot read: {reason}", "无法读取：{reason}"),
    ("the text {value} (write numbers without quotes)", "文本 {value}（数字不要加引号）"),
    # --- the command line ---
    ("--lang must be en or zh, not {value}", "--lang 必须是 en 或 zh，而不是 {value}"),
    ("--format must be one of {formats}, not {value}", "--format 必须是 {formats} 之一，而不是 {value}"),
    ("--json and --format {fmt} ask for different output; give one",
     "--json 与 --format {fmt} 要求的输出不同；请只给其中一个"),
    ("--kind must be one of {kinds}, not {value}", "--kind 必须是 {kinds} 之一，而不是 {value}"),
    ("--seed is for exercise cards; {id} is a derivation", "--seed 只用于练习卡片；{id} 是一个推导"),
    ("--seed is for exercise cards; {id} is a {kind} card",
     "--seed 只用于练习卡片；{id} 是 {kind} 卡片"),
    ("--seed is for exercise and code cards; {id} is a {kind} card",
     "--seed 只用于练习卡片和编程卡片；{id} 是 {kind} 卡片"),
    ("no such file or folder: {path}", "没有这个文件或文件夹：{path}"),
    ("{path} is not a deck (.yaml) or a derivation module (.py), nor a folder of them",
     "{path} 不是卡组（.yaml）或推导模块（.py），也不是存放它们的文件夹"),
    ("{folder} does not exist; name a folder of decks (or remove it)",
     "{folder} 不存在；请指定一个卡组文件夹（或删去这一项）"),
    ("{folder} is not a folder; name a folder of decks (or remove it)",
     "{folder} 不是文件夹；请指定一个卡组文件夹（或删去这一项）"),
    ("the data folder {folder} (from {origin}) is not a folder; {inner}",
     "数据文件夹 {folder}（来自 {origin}）不是文件夹；{inner}"),
    ("the cache folder {folder} (from {origin}) is not a folder; {inner}",
     "缓存文件夹 {folder}（来自 {origin}）不是文件夹；{inner}"),
    ("cannot create the data folder {folder} (from {origin}): {reason}; {inner}",
     "无法创建数据文件夹 {folder}（来自 {origin}）：{reason}；{inner}"),
    ("cannot create the cache folder {folder} (from {origin}): {reason}; {inner}",
     "无法创建缓存文件夹 {folder}（来自 {origin}）：{reason}；{inner}"),
    ("point {name} at a folder you can write to", "请把 {name} 指向一个可写的文件夹"),
    ("set DLSTUDY_HOME (or --data-dir) to a folder you can write to",
     "请把 DLSTUDY_HOME（或 --data-dir）设为一个可写的文件夹"),
    ("unknown device {value}; choose one of {devices}", "未知设备 {value}；请选择 {devices} 之一"),
    ("--device cuda: no CUDA GPU is visible (or torch is a CPU build); use --device auto or cpu",
     "--device cuda：看不到 CUDA GPU（或 torch 是 CPU 版本）；请用 --device auto 或 cpu"),
    ("--device mps: Apple-silicon GPUs only; use --device auto or cpu",
     "--device mps：仅限 Apple 芯片的 GPU；请用 --device auto 或 cpu"),
    ("quick-scale snapshots are of the CPU run (the one the tests and claim cards use): add "
     "--device cpu",
     "quick 规模的快照来自 CPU 运行（测试和判断卡片用的就是它）：请加上 --device cpu"),
    ("cannot write the snapshot of {id}: {reason}", "无法写入 {id} 的快照：{reason}"),
    ("no command {name}; commands: {commands}", "没有命令 {name}；现有命令：{commands}"),
    # --- the review database and backups ---
    ("cannot use the review database {path}: {reason}. If it is damaged, move it aside (with its -wal file) and restore your last `dlstudy backup` in its place; sqlite3's `.recover` can save what is still readable.",
     "无法使用复习数据库 {path}：{reason}。如果它已损坏，请把它（连同 -wal 文件）移到别处，再把最近一次 `dlstudy backup` 的备份放回原处；sqlite3 的 `.recover` 能救回仍可读的部分。"),
    ("cannot use the review database {path}: {reason}.", "无法使用复习数据库 {path}：{reason}。"),
    ("cannot use the review database {path}: its folder is not writable ({reason}); {inner}",
     "无法使用复习数据库 {path}：它所在的文件夹不可写（{reason}）；{inner}"),
    ("cannot read the review database {path}: {reason}. If it is damaged, move it aside (with its -wal file) and restore your last `dlstudy backup` in its place; sqlite3's `.recover` can save what is still readable.",
     "无法读取复习数据库 {path}：{reason}。如果它已损坏，请把它（连同 -wal 文件）移到别处，再把最近一次 `dlstudy backup` 的备份放回原处；sqlite3 的 `.recover` 能救回仍可读的部分。"),
    ("could not back up {source} to {target}: {reason}. If it is damaged, move it aside (with its -wal file) and restore your last `dlstudy backup` in its place; sqlite3's `.recover` can save what is still readable.",
     "无法把 {source} 备份到 {target}：{reason}。如果它已损坏，请把它（连同 -wal 文件）移到别处，再把最近一次 `dlstudy backup` 的备份放回原处；sqlite3 的 `.recover` 能救回仍可读的部分。"),
    ("the review database {path} was empty (0 bytes: no review in it); it is kept as {name} and "
     "a new one was started.",
     "复习数据库 {path} 是空的（0 字节：没有任何复习记录）；它已保留为 {name}，并新建了一个数据库。"),
    ("{path} was written by a newer dlstudy (schema {version}, this one knows {known}); upgrade "
     "dlstudy",
     "{path} 由更新版本的 dlstudy 写入（模式版本 {version}，本版本只认识到 {known}）；请升级 dlstudy"),
    ("there is no review database to back up yet: {path} is empty",
     "还没有可备份的复习数据库：{path} 是空的"),
    ("there is no review database to back up yet: {path} does not exist",
     "还没有可备份的复习数据库：{path} 不存在"),
    ("{path} already exists; a backup never overwrites a file: give a new name",
     "{path} 已存在；备份从不覆盖文件：请换一个文件名"),
    ("the folder {path} does not exist", "文件夹 {path} 不存在"),
    ("the copy of {path} fails SQLite's integrity check ({check}); the database itself is damaged",
     "{path} 的副本没有通过 SQLite 的完整性检查（{check}）；数据库本身已损坏"),
    ("{reason}; run `dlstudy check`", "{reason}；请运行 `dlstudy check`"),
    # --- PyYAML's and Python's own words (the common ones) ---
    ("mapping values are not allowed in this context",
     "此处不允许出现映射值（`键: 值`）"),
    ("mapping values are not allowed here", "此处不允许出现映射值（`键: 值`）"),
    ("found a tab character that violates indentation", "发现破坏缩进的制表符"),
    ("found character {char} that cannot start any token", "发现不能开始任何记号的字符 {char}"),
    ("found undefined alias {name}", "发现未定义的别名 {name}"),
    ("found undefined alias", "发现未定义的别名"),
    ("did not find expected key", "没有找到应有的键"),
    ("did not find expected {what} indicator", "没有找到应有的 {what} 标记"),
    ("did not find expected {what} or {other}", "没有找到应有的 {what} 或 {other}"),
    ("did not find expected {what}", "没有找到应有的 {what}"),
    ("found unexpected end of stream", "文件意外结束"),
    ("could not find expected ':'", "找不到应有的 ':'"),
    ("expected {what}, but found {found}", "应为 {what}，却发现 {found}"),
    ("could not determine a constructor for the tag {tag}",
     "无法确定标签 {tag} 的构造器（卡组不能使用这种标签）"),
    ("second occurrence (found duplicate anchor; first occurrence that starts on line {n})",
     "锚点重复出现（第一次在第 {n} 行）"),
    ("invalid syntax", "无效的语法"),
    ("invalid syntax. Perhaps you forgot a comma?", "无效的语法。是不是漏了逗号？"),
    ("unexpected indent", "意外的缩进"),
    ("unindent does not match any outer indentation level", "取消缩进与任何外层缩进都不对应"),
    ("expected an indented block{rest}", "应有一个缩进的代码块{rest}"),
    ("expected ':'", "应有 ':'"),
    ("unterminated string literal (detected at line {n})", "字符串字面量没有结束（在第 {n} 行发现）"),
    ("{bracket} was never closed", "{bracket} 没有闭合"),
    # --- where a value came from ---
    ("settings (with the environment)", "设置（含环境变量）"),
    ("extra_folders in {path}", "{path} 中的 extra_folders"),
    ("the platform's data folder", "系统的用户数据文件夹"),
    # --- TOML syntax (tomllib's messages) ---
    ("Invalid value", "无效的值"),
    ("Unterminated string", "字符串没有结束"),
    ("Unclosed inline table", "内联表没有闭合"),
    ("Cannot declare {key} twice", "不能两次声明 {key}"),
    ("Cannot mutate immutable namespace {key}", "不能修改不可变的命名空间 {key}"),
    ("Cannot redefine namespace {key}", "不能重新定义命名空间 {key}"),
    ("Duplicate inline table key {key}", "内联表中的键 {key} 重复"),
    ("Expected ']' at the end of a table declaration", "表声明的末尾应有 ']'"),
    ("Expected ']]' at the end of an array declaration", "数组表声明的末尾应有 ']]'"),
    ("Found invalid character {char}", "发现无效字符 {char}"),
    ("Illegal character {char}", "非法字符 {char}"),
    ("Invalid date or datetime", "无效的日期或日期时间"),
    ("Invalid hex value", "无效的十六进制值"),
    ("Unescaped '\\' in a string", "字符串中有未转义的 '\\'"),
    ("Escaped character is not a Unicode scalar value", "转义字符不是 Unicode 标量值"),
    ("Invalid statement", "无效的语句"),
    ("Expected '=' after a key in a key/value pair", "键值对中的键后面应有 '='"),
    ("Unclosed string", "字符串没有闭合"),
    ("Cannot overwrite a value", "不能覆盖已有的值"),
    ("Unclosed array", "数组没有闭合"),
    ("Invalid initial character for a key part", "键的首字符无效"),
    ("Expected newline or end of document after a statement", "语句之后应换行或结束文件"),
    # --- `dlstudy new` ---
    ("--topic {value}: a topic is lower-case letters, digits and hyphens (e.g. my-cards)",
     "--topic {value}：主题只能由小写字母、数字和连字符组成（例如 my-cards）"),
    ("a claim card is decided by a derivation's evidence row: add --with-derivation",
     "判断卡由一个推导的证据行判定：请加上 --with-derivation"),
    ("{path} already exists; it is left as it is", "{path} 已存在；保持原样，未作改动"),
    ("{path} has no `cards:` list to add to; add the card by hand",
     "{path} 没有可以添加卡片的 `cards:` 列表；请手动添加卡片"),
    ("could not add the card to {path} (it would not load); the file is as it was. Is `cards:` "
     "its last key?",
     "无法把卡片添加到 {path}（添加后无法载入）；文件保持原样。`cards:` 是它的最后一个键吗？"),
    ("could not add the card to {path} ({where}: {inner}); the file is as it was. Is `cards:` "
     "its last key?",
     "无法把卡片添加到 {path}（{where}：{inner}）；文件保持原样。`cards:` 是它的最后一个键吗？"),
    # --- the operating system's reasons (OSError.strerror), as `{reason}` of the messages above ---
    ("No such file or directory", "没有这个文件或文件夹"),
    ("Permission denied", "没有权限"),
    ("Operation not permitted", "不允许该操作"),
    ("Not a directory", "不是文件夹"),
    ("Is a directory", "是一个文件夹"),
    ("Read-only file system", "文件系统是只读的"),
    ("No space left on device", "设备上没有剩余空间"),
    ("Disk quota exceeded", "超出磁盘配额"),
    ("File exists", "文件已存在"),
    ("File name too long", "文件名太长"),
    ("Too many levels of symbolic links", "符号链接层数过多"),
    ("Input/output error", "输入/输出错误"),
)

_YAML_THINGS = {"block mapping": "块映射", "block collection": "块集合", "flow sequence": "流序列",
                "flow mapping": "流映射", "quoted scalar": "引号标量", "plain scalar": "普通标量",
                "block scalar": "块标量", "node": "节点", "directive": "指令", "tag": "标签",
                "anchor": "锚点", "alias": "别名", "simple key": "简单键"}
# PyYAML's "(while parsing a … that starts on line N)" around its message: a suffix, so first
CATALOGUE = tuple(
    (f"{{inner}} (while {verb} a{'n' if thing[0] in 'aeiou' else ''} {thing} that starts on "
     "line {n})", f"{{inner}}（{zh_verb}从第 {{n}} 行开始的{zh}时）")
    for thing, zh in _YAML_THINGS.items()
    for verb, zh_verb in (("parsing", "解析"), ("scanning", "扫描"), ("constructing", "构造"))
) + CATALOGUE

_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")
# parts that are a single name (no backquote, no line break): they never swallow a message
_WORDS = frozenset({"id", "field", "key", "name", "derivation", "row", "row2", "code", "n",
                    "line", "near", "module"})
_compiled: list[tuple[re.Pattern[str], str]] | None = None


def _pattern(template: str) -> re.Pattern[str]:
    """A template as a regular expression: its text literal, each ``{name}`` any text."""
    parts: list[str] = []
    last = 0
    seen: set[str] = set()
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:m.start()]))
        name = m.group(1)
        any_text = "[^`\\n]+?" if name in _WORDS else ".+?"
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{any_text})")
        seen.add(name)
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


def _catalogue() -> list[tuple[re.Pattern[str], str]]:
    global _compiled
    if _compiled is None:
        _compiled = compile_catalogue(CATALOGUE)
    return _compiled


def compile_catalogue(entries: Iterable[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    """(English template, Chinese template) pairs made ready for :func:`tr_with`."""
    return [(_pattern(en), zh) for en, zh in entries]


def tr_with(message: str, catalogue: list[tuple[re.Pattern[str], str]]) -> str:
    """``message`` in Chinese by another catalogue (the command line's own words: see
    ``dlstudy.help_zh``), matched and filled in as this one is; as it is when not catalogued."""
    return _zh(message, 0, catalogue)


def tr(message: str, lang: str) -> str:
    """``message`` (English) in ``lang``: as it is for en, or for a message not catalogued."""
    if lang != "zh":
        return message
    return _zh(message, 0)


def _zh(message: str, depth: int,
        catalogue: list[tuple[re.Pattern[str], str]] | None = None) -> str:
    if depth > 8:
        return message
    for pattern, zh in _catalogue() if catalogue is None else catalogue:
        m = pattern.fullmatch(message)
        if m is None:
            continue
        values = m.groupdict()
        for name in ("inner", "value", "origin", "reason"):  # a message within the message
            if name in values:
                values[name] = _zh(values[name], depth + 1, catalogue)
        return _fill(zh, values)
    return message


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda p: values.get(p.group(1), p.group(0)), template)


def located(message: str, lang: str) -> str:
    """A ``where: message`` or ``where:LINE: message`` error (settings, command line) with its
    message translated; ``where`` (a path, a variable) stays as it is."""
    if lang != "zh":
        return message
    start = 0
    while True:  # the path may hold ': ' too: try each split, leftmost first
        at = message.find(": ", start)
        if at < 0:
            return tr(message, lang)
        rest = tr(message[at + 2:], lang)
        if rest != message[at + 2:]:
            where = tr(message[:at], lang)  # a path stays as it is, and so does ": " after it
            return f"{where}：{rest}" if where != message[:at] else f"{where}: {rest}"
        start = at + 2
