"""The catalogue: required ids, sources for every figure, hardware facts the engine relies on."""

from __future__ import annotations

import json
import shutil

import pytest

from factory_app.serving.architecture import model_shape
from factory_app.serving.catalog import CatalogError, UnknownIdError, default_catalog, load_catalog
from factory_app.resources import resource_path

PLATFORMS = ["a100", "h100", "h200", "gh200", "b200", "b300", "gb200", "gb300", "rubin", "mi300x", "mi325x", "mi355x", "tpu-v5e", "tpu-v6e", "tpu-v7"]
MODELS = ["llama-3.1-8b", "llama-2-70b", "llama-3.3-70b", "llama-3.1-405b", "deepseek-r1", "gpt-oss-120b", "llama-4-maverick", "qwen3-32b"]


def test_required_ids_are_present():
    cat = default_catalog()
    assert set(PLATFORMS) <= set(cat.platforms)
    assert set(MODELS) <= set(cat.models)


def test_every_figure_has_a_source_or_says_it_is_an_estimate():
    cat = default_catalog()
    for p in cat.platforms.values():
        for key, fig in p.figures().items():
            assert fig.sources or fig.estimate, f"{p.id}.{key} has neither a source nor an estimate note"
            if fig.is_estimate:
                assert "ESTIMATE" in fig.describe_source()
    for m in cat.models.values():
        assert m.sources, m.id


def test_fp4_only_on_blackwell_and_later_and_mi355x():
    cat = default_catalog()
    for p in cat.platforms.values():
        expected = p.family in ("blackwell", "rubin") or p.id == "mi355x"
        assert ("fp4" in p.precisions) == expected, p.id


def test_scale_up_domains():
    cat = default_catalog()
    for pid in ("a100", "h100", "h200", "b200", "b300", "mi300x", "mi325x", "mi355x"):
        assert cat.platform(pid).domain_size == 8, pid
    for pid in ("gb200", "gb300", "rubin"):
        assert cat.platform(pid).domain_size == 72, pid


def test_announced_platforms_are_marked():
    cat = default_catalog()
    assert cat.platform("rubin").announced
    assert not cat.platform("h100").announced


@pytest.mark.parametrize("model_id", MODELS)
def test_parameter_counts_derived_from_architecture_match_the_model_cards(model_id):
    m = default_catalog().model(model_id)
    s = model_shape(m)
    assert s.total_params / 1e9 == pytest.approx(m.published_total_params_b, rel=0.02)
    if m.published_active_params_b is not None:
        assert s.active_params / 1e9 == pytest.approx(m.published_active_params_b, rel=0.10)


def test_moe_and_mla_fields():
    cat = default_catalog()
    assert cat.model("deepseek-r1").mla is not None and cat.model("deepseek-r1").moe is not None
    assert cat.model("gpt-oss-120b").moe is not None and cat.model("gpt-oss-120b").sliding_window is not None
    assert cat.model("llama-3.3-70b").moe is None
    # MLA caches one latent per token and layer: far less than grouped-query attention would
    ds = model_shape(cat.model("deepseek-r1"))
    assert ds.kv_elements_per_token(1.0) == 61 * (512 + 64)


def test_unknown_id_names_the_known_ones():
    with pytest.raises(UnknownIdError) as err:
        default_catalog().platform("h1000")
    text = str(err.value)
    assert "h1000" in text and "h100" in text and "\n" not in text


def _broken_copy(tmp_path, edit):
    folder = tmp_path / "catalog"
    shutil.copytree(resource_path("catalog"), folder)
    data = json.loads((folder / "platforms.json").read_text())
    edit(data)
    (folder / "platforms.json").write_text(json.dumps(data))
    return folder


def test_a_figure_without_source_or_estimate_is_refused(tmp_path):
    def edit(d):
        d["platforms"][1]["hbm_gb"] = {"value": 80, "src": []}

    with pytest.raises(CatalogError, match=r"platform 'h100'\.hbm_gb"):
        load_catalog(_broken_copy(tmp_path, edit))


def test_an_unknown_precision_is_refused(tmp_path):
    def edit(d):
        d["platforms"][0]["peak_dense_tflops"]["fp2"] = {"value": 1, "src": ["a100-klockwood"]}

    with pytest.raises(CatalogError, match="unknown precision"):
        load_catalog(_broken_copy(tmp_path, edit))
