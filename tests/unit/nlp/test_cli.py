"""``gridbot nlp train / eval / classify`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlp.cli import build_nlp_group

ROWS = [
    ("我很喜欢苹果", "水果"), ("香蕉真不错", "水果"), ("这里有很多葡萄", "水果"), ("西瓜, 很甜", "水果"),
    ("昨天看到了汽车", "车辆"), ("公交车真不错", "车辆"), ("这里有很多自行车", "车辆"), ("摩托车, 很快", "车辆"),
    ("我很喜欢小狗", "动物"), ("熊猫真不错", "动物"), ("这里有很多兔子", "动物"), ("老虎, 很凶", "动物"),
]


def write_csv(path: Path, rows=ROWS, header: str = "id,text,label,note") -> Path:  # noqa: ANN001
    lines = [header]
    for i, (text, label) in enumerate(rows):
        lines.append(f'{i},"{text}",{label},extra')
        if i % 4 == 0:
            lines.append("")  # blank lines are skipped
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")  # with a BOM
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    data = write_csv(tmp / "train.csv")
    result = CliRunner().invoke(build_nlp_group(), ["train", "--data", str(data), "--out", str(tmp / "model")])
    assert result.exit_code == 0, result.output
    assert "trained on 12 messages" in result.stdout
    return tmp


def test_train_writes_a_model(trained: Path) -> None:
    assert (trained / "model" / "model.json").is_file()
    assert (trained / "model" / "model.npz").is_file()


def test_eval_json_is_one_object_on_stdout(trained: Path) -> None:
    result = CliRunner().invoke(
        build_nlp_group(), ["eval", "--model", str(trained / "model"), "--data", str(trained / "train.csv"), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"macro_f1", "accuracy", "per_class", "msgs_per_s", "confusion", "n"}
    assert report["n"] == 12
    assert set(report["per_class"]) == {"水果", "车辆", "动物"}
    assert set(report["per_class"]["水果"]) == {"precision", "recall", "f1", "support"}
    assert report["macro_f1"] >= 0.9


def test_eval_text_report(trained: Path) -> None:
    result = CliRunner().invoke(
        build_nlp_group(), ["eval", "--model", str(trained / "model"), "--data", str(trained / "train.csv")]
    )
    assert result.exit_code == 0, result.output
    for part in ("accuracy", "macro-F1", "msgs/s", "precision", "recall", "confusion matrix", "水果"):
        assert part in result.stdout


def test_classify_with_a_trained_model(trained: Path) -> None:
    result = CliRunner().invoke(build_nlp_group(), ["classify", "我想吃香蕉", "--model", str(trained / "model"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["category"] == "水果"
    assert set(data) >= {"category", "confidence", "keywords", "urgent", "urgent_words", "request_kind", "suggestions"}


def test_classify_with_the_shipped_model() -> None:
    runner = CliRunner()
    data = json.loads(runner.invoke(build_nlp_group(), ["classify", "厨房着火了，快来人", "--json"]).stdout)
    assert data["category"] == "消防安全" and data["urgent"] is True and data["department"] == "消防"
    result = runner.invoke(build_nlp_group(), ["classify", "请问低保怎么申请"])
    assert result.exit_code == 0
    assert "民生服务" in result.stdout and "咨询" in result.stdout


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_nlp_group(), ["train", "--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_missing_columns_are_a_usage_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "bad.csv", header="id,message,label,note")
    result = CliRunner().invoke(build_nlp_group(), ["train", "--data", str(data), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "missing column(s) text" in result.output


def test_a_directory_without_a_model_is_an_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv")
    result = CliRunner().invoke(build_nlp_group(), ["eval", "--model", str(tmp_path), "--data", str(data), "--json"])
    assert result.exit_code == 1
    assert "no model" in result.output
    assert result.stdout == ""


def test_one_label_only_is_an_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "one.csv", rows=[(t, "同一个") for t, _ in ROWS])
    result = CliRunner().invoke(build_nlp_group(), ["train", "--data", str(data), "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "two labels" in result.output


def test_classify_json_says_the_intent() -> None:
    result = CliRunner().invoke(build_nlp_group(), ["classify", "--json", "谢谢"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"intent", "category", "confidence", "keywords", "urgent", "request_kind", "intent_cues"}
    assert data["intent"] == "chat" and data["confidence"] < 0.1 and data["keywords"] == []
    assert data["urgent"] is False and data["request_kind"] == "咨询"
    text = CliRunner().invoke(build_nlp_group(), ["classify", "谢谢"])
    assert "intent:       chat (谢谢)" in text.stdout


def test_classify_stdin_answers_each_line_in_order_loading_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp import cli
    from nlp.classifier import Classifier

    loads: list[object] = []
    real_load = Classifier.load.__func__  # type: ignore[attr-defined]

    def counting_load(cls, *args, **kwargs):
        loads.append(args)
        return real_load(cls, *args, **kwargs)

    monkeypatch.setattr(Classifier, "load", classmethod(counting_load))
    monkeypatch.setattr(cli, "STDIN_BATCH", 2)  # several batches
    lines = ["你好，在吗？", "电梯困人", "", "垃圾站路5号门口井盖丢了", "?", "楼道灯坏了"]
    result = CliRunner().invoke(build_nlp_group(), ["classify", "--json", "-"], input="\n".join(lines) + "\r\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines) and len(loads) == 1
    assert [o["intent"] for o in out] == ["chat", "report", "chat", "report", "chat", "report"]
    assert out[1]["urgent"] is True
    assert out[3]["category"] == "市政设施"
    assert out[5]["category"] == "物业服务" and out[5]["request_kind"] == "投诉"
