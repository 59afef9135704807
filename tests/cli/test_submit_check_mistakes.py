"""The pre-submit check catches what the API would refuse only after the batch ran: a model that is not a Claude
model, a `system` turn inside `messages`, and it names a broken line by the file's own line and column."""

from __future__ import annotations

from tests.builders import line, request, write_jsonl


async def test_a_model_that_is_not_claude_is_named_with_its_line(dry_run, tmp_path, journal_path):
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), request("b", model="gpt-4o"),
                                               request("c", model="claude-sonnet-4-5-20250929")])
    code, text = await dry_run(path)
    assert code == 1
    assert f"{path}:2: params.model 'gpt-4o' is not a Claude model" in text
    assert f"{path}:1:" not in text and f"{path}:3:" not in text
    assert not journal_path.exists()


async def test_known_aliases_and_new_claude_names_pass(dry_run, tmp_path):
    # a name the price table has not met yet but that reads as Claude's; a dated id; a Vertex id; a Bedrock id
    models = ["claude-newmodel-9", "claude-3-5-haiku-20241022", "claude-3-5-sonnet@20240620",
              "anthropic.claude-3-haiku-20240307-v1:0"]
    path = write_jsonl(tmp_path / "in.jsonl", [request(f"r{i}", model=m) for i, m in enumerate(models)])
    code, text = await dry_run(path)
    assert code == 0, text
    assert f"{path}: 4 requests in 1 batch" in text


async def test_a_system_turn_in_messages_points_to_params_system(dry_run, tmp_path):
    turns = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), request("s", messages=turns)])
    code, text = await dry_run(path)
    assert code == 1
    assert f"{path}:2: params.messages[0].role 'system' is not allowed; put it in params.system" in text


async def test_broken_json_is_named_by_the_files_line_and_column(dry_run, tmp_path):
    cut = b'{"custom_id": "c", "params": '           # ends early: orjson says "line 2 column 1" of its input
    bad = b'{"custom_id": "d", "params": x}'         # a bad character at column 30
    path = write_jsonl(tmp_path / "in.jsonl", [request("a"), request("b"), cut, bad,
                                               b"\r\n".join([line(request("e")).rstrip(b"\n"), b'{"x": ]'])])
    code, text = await dry_run(path)
    assert code == 1
    assert f"{path}:3: not valid JSON: unexpected end of data at column {len(cut) + 1}" in text
    assert f"{path}:4: not valid JSON: unexpected character, expected a JSON value at column 30" in text
    assert "line 2" not in text and "line 1 column" not in text and "(char" not in text
