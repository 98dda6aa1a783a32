"""Chinese tokens: jieba's words from filterkit's own dictionary cache, and rjieba only where identical."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jieba
import pytest

from conftest import needs_shared
from filterkit import chinese_dictionary, tokens
from filterkit.scripts import SCRIPT_RUN
from filterkit.tokens import tokenize

ROOT = Path(__file__).resolve().parents[1]

# Original sentences, with the tokens jieba 0.42.1 gave them (HMM off) before the dictionary had a
# cache of filterkit's own: a rare character (U+3400, U+3401, U+20000) is a word of its own.
EXPECTED = {
    "今天早上我在河边跑了五公里，回家的路上买了两个刚出炉的包子。":
        ["今天", "早上", "我", "在", "河边", "跑", "了", "五公里", "回家", "的", "路上", "买", "了", "两个", "刚",
         "出炉", "的", "包子"],
    "这个周末图书馆延长开放时间，欢迎同学们带着学生证前来自习。":
        ["这个", "周末", "图书馆", "延长", "开放", "时间", "欢迎", "同学", "们", "带", "着", "学生证", "前来", "自习"],
    "她把旧自行车修好以后，每天骑着它穿过老城区去上班。":
        ["她", "把", "旧", "自行车", "修好", "以后", "每天", "骑", "着", "它", "穿过", "老城区", "去", "上班"],
    "研究小组用三年时间记录了湖泊里候鸟的数量变化。":
        ["研究", "小组", "用", "三年", "时间", "记录", "了", "湖泊", "里", "候鸟", "的", "数量", "变化"],
    "如果明天下雨，运动会将改在室内体育馆举行，请大家留意通知。":
        ["如果", "明天", "下雨", "运动会", "将", "改", "在", "室内", "体育馆", "举行", "请", "大家", "留意", "通知"],
    "我们的小程序支持Python和JavaScript两种语言的示例代码。":
        ["我们", "的", "小", "程序", "支持", "python", "和", "javascript", "两种", "语言", "的", "示例", "代码"],
    "会议纪要：第3季度销售额同比增长12%，新开门店共8家。":
        ["会议纪要", "第", "0", "季度", "销售额", "同比", "增长", "00", "新", "开", "门店", "共", "0", "家"],
    "爷爷说，种番茄最要紧的是阳光充足、浇水适量。":
        ["爷爷", "说", "种", "番茄", "最", "要紧", "的", "是", "阳光充足", "浇水", "适量"],
    "点击这里订阅每周简报，随时可以取消。": ["点击", "这里", "订阅", "每周", "简报", "随时", "可以", "取消"],
    "上一篇：城市夜跑指南　下一篇：春季露营装备清单":
        ["上", "一篇", "城市", "夜", "跑", "指南", "下", "一篇", "春季", "露营", "装备", "清单"],
    "㐀㐁中文𠀀分词测试": ["㐀", "㐁", "中文", "𠀀", "分词", "测试"],
    "结婚的和尚未结婚的都来参加了这次聚会。":
        ["结婚", "的", "和", "尚未", "结婚", "的", "都", "来", "参加", "了", "这次", "聚会"],
    "南京市长江大桥在晨雾中显得格外安静。": ["南京市", "长江大桥", "在", "晨雾", "中", "显得", "格外", "安静"],
    "乒乓球拍卖完了，店员建议我们下周再来看看。":
        ["乒乓球", "拍卖", "完", "了", "店员", "建议", "我们", "下周", "再", "来", "看看"],
}
DOCTORED = "结婚的和尚未结婚的都来参加了这次聚会。"  # a planted table with a huge 和尚 cuts it differently


def jieba_tokens(cutter) -> dict[str, list[str]]:
    """tokenize's tokens of every sentence, its Han runs cut by ``cutter``."""
    tokens._han_words.cache_clear()
    tokens._cut = cutter
    return {sentence: tokenize(sentence) for sentence in EXPECTED}


@pytest.fixture(scope="session")
def jiebas_table() -> tuple[dict[str, int], int]:
    data, _ = chinese_dictionary._source(jieba)
    return jieba.Tokenizer.gen_pfdict(io.BytesIO(data))


@pytest.fixture(scope="session")
def cache_files(jiebas_table, tmp_path_factory) -> dict[str, bytes]:
    """Well-formed cache files for the installed dictionary: jieba's, and one in which 和尚 is the commonest word."""
    _, key = chinese_dictionary._source(jieba)
    freq, total = jiebas_table
    files = {}
    for name, changes in (("genuine", {}), ("doctored", {"和尚": total})):
        path = tmp_path_factory.mktemp(name) / "dictionary.bin"
        chinese_dictionary._write(path, key, {**freq, **changes}, total)
        files[name] = path.read_bytes()
    return files


def plant(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def test_tokens_unchanged_built_cached_and_in_memory(cache, tmp_path, monkeypatch):
    built, source = tokens.jieba_cutter()
    assert jieba_tokens(built) == EXPECTED
    path = chinese_dictionary.cache_path(jieba)
    assert path.parent == cache and path.exists()
    assert (path.stat().st_mode & 0o777, cache.stat().st_mode & 0o777) == (0o600, 0o700)
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary file left behind

    assert not chinese_dictionary.load(jieba).complete  # read from the cache, a run at a time
    cached, _ = tokens.jieba_cutter()
    assert jieba_tokens(cached) == EXPECTED

    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(chinese_dictionary.CACHE_DIR_ENV, str(tmp_path / "a-file" / "cache"))
    in_memory, _ = tokens.jieba_cutter()
    assert jieba_tokens(in_memory) == EXPECTED
    assert source == tokens.RJIEBA_CHECKED_DICTIONARY  # a new jieba dictionary: check rjieba again


def test_whole_table_equals_jiebas(cache, cache_files, jiebas_table, monkeypatch):
    """After COMPLETE_AFTER_RUNS runs the cache's table is read whole: it must be jieba's, entry for entry."""
    plant(chinese_dictionary.cache_path(jieba), cache_files["genuine"])
    table = chinese_dictionary.load(jieba)
    monkeypatch.setattr(chinese_dictionary, "COMPLETE_AFTER_RUNS", 2)
    table.cover("中文")
    assert not table.complete and set(table.freq) >= {"中", "中文", "文"}
    table.cover("分词")
    assert table.complete
    assert (table.freq, table.total) == jiebas_table


def test_planted_cache_is_used_only_when_the_user_owns_it(cache, cache_files, monkeypatch):
    path = chinese_dictionary.cache_path(jieba)
    planted = cache_files["doctored"]
    plant(path, planted)
    own, _ = tokens.jieba_cutter()
    assert jieba_tokens(own)[DOCTORED] != EXPECTED[DOCTORED]  # the check below can see a planted table

    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    else:  # only root can give a file away: let the check see this one as another user's
        foreign = path.stat().st_ino
        owned_and_private = chinese_dictionary._owned_and_private
        monkeypatch.setattr(chinese_dictionary, "_owned_and_private",
                            lambda info: info.st_ino != foreign and owned_and_private(info))
    cutter, _ = tokens.jieba_cutter()
    assert jieba_tokens(cutter) == EXPECTED
    assert path.read_bytes() != planted and path.stat().st_uid == os.getuid()  # replaced by the user's own


@pytest.mark.parametrize("folder_mode, file_mode", [(0o777, 0o600), (0o770, 0o600), (0o700, 0o666)],
                         ids=["world-writable folder", "group-writable folder", "world-writable file"])
def test_cache_that_others_can_write_is_ignored(cache, cache_files, folder_mode, file_mode):
    path = chinese_dictionary.cache_path(jieba)
    planted = cache_files["doctored"]
    plant(path, planted)
    path.chmod(file_mode)
    cache.chmod(folder_mode)
    cutter, _ = tokens.jieba_cutter()
    assert jieba_tokens(cutter) == EXPECTED
    if folder_mode != 0o700:
        assert path.read_bytes() == planted  # nothing written where others can write


CHILD = """
import json, sys, tempfile
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0]))
                 if event == "open" and "jieba.cache" in str(args[0]) else None)

def refuse(*args, **kwargs):
    raise FileNotFoundError("no usable temporary directory")

# A TMPDIR without write permission stops everyone but root: refuse the temp folder to root too.
tempfile.gettempdir = tempfile.gettempdirb = refuse
from filterkit.tokens import tokenize
import jieba
print(json.dumps({"tokens": [tokenize(s) for s in json.load(sys.stdin)], "jieba.cache": opened,
                  "jieba.dt initialised": jieba.dt.initialized}))
"""


@pytest.mark.parametrize("cache_usable", [False, True])
def test_no_temp_folder_needed(tmp_path, cache_usable):
    no_temp = tmp_path / "no-temp"
    no_temp.mkdir(mode=0o500)
    (tmp_path / "a-file").write_text("")
    cache_dir = tmp_path / ("cache" if cache_usable else "a-file/cache")
    env = dict(os.environ, TMPDIR=str(no_temp), TEMP=str(no_temp), TMP=str(no_temp),
               FILTERKIT_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    for _ in range(2 if cache_usable else 1):  # a usable cache: built, then read
        done = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(list(EXPECTED)), env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        result = json.loads(done.stdout)
        assert result == {"tokens": list(EXPECTED.values()), "jieba.cache": [], "jieba.dt initialised": False}
    assert (cache_dir / "jieba").is_dir() == cache_usable


def test_rjieba_takes_over_after_enough_runs(cache, cache_files, monkeypatch):
    rjieba = pytest.importorskip("rjieba")
    plant(chinese_dictionary.cache_path(jieba), cache_files["genuine"])
    monkeypatch.setattr(tokens, "RJIEBA_AFTER_RUNS", 3)
    assert {sentence: tokenize(sentence) for sentence in EXPECTED} == EXPECTED
    assert isinstance(tokens._cut.func.__self__, rjieba.Jieba)


def test_rjieba_matches_jieba_on_original_sentences(cache):
    pytest.importorskip("rjieba")
    assert jieba_tokens(tokens.rjieba_cutter()) == EXPECTED


@needs_shared
def test_rjieba_matches_jieba_on_every_chinese_page():
    """rjieba cuts every Han run of every Chinese benchmark page (HTML blocks and gold text) as jieba does."""
    pytest.importorskip("rjieba")
    from filterkit.html_blocks import parse_blocks
    from training.benchmarks import read_all

    runs = set()
    for page in read_all():
        if page.lang == "zh":
            texts = [segment.text for segment in parse_blocks(page.html())[0]] + [page.gold]
            runs.update(match.group() for text in texts for match in SCRIPT_RUN.finditer(text.lower())
                        if match.lastgroup == "han")
    assert len(runs) > 10_000
    reference = jieba.Tokenizer()
    reference.FREQ, reference.total = reference.gen_pfdict(reference.get_dict_file())
    reference.initialized = True
    fast = tokens.rjieba_cutter()
    differ = [(run, reference.lcut(run, HMM=False), fast(run)) for run in sorted(runs)
              if reference.lcut(run, HMM=False) != fast(run)]
    assert not differ, f"{len(differ)} of {len(runs)} runs differ, e.g. {differ[:3]}"
