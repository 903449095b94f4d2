import { afterEach, describe, expect, it } from "vitest";
import { getLang, hasKey, label, setLang, t, ZH_KEYS } from "../src/i18n";

afterEach(() => setLang("zh-CN"));

describe("i18n", () => {
  it("is zh-CN by default", () => {
    expect(getLang()).toBe("zh-CN");
    expect(t("login.submit")).toBe("登录");
  });
  it("switches to English", () => {
    setLang("en");
    expect(t("login.submit")).toBe("Sign in");
  });
  it("fills placeholders and leaves unknown ones", () => {
    expect(t("alerts.count", { n: 3 })).toBe("命中 3 次");
    expect(t("alerts.count", { n: 3 }, "en")).toBe("3 hits");
    expect(t("alerts.count", {}, "en")).toBe("{n} hits");
  });
  it("falls back to zh-CN, then to the key", () => {
    // "no.such.key" is in neither dictionary: the key itself shows.
    expect(t("no.such.key", {}, "en")).toBe("no.such.key");
  });
  it("has an English string for every zh-CN key", () => {
    const missing = ZH_KEYS.filter((k) => !hasKey(k, "en"));
    expect(missing).toEqual([]);
  });
  it("labels server values from the dictionary, else the server's label", () => {
    expect(label("type", "fire", "火灾", "en")).toBe("fire");
    expect(label("type", "earthquake", "地震", "en")).toBe("地震");
    expect(label("type", "earthquake", undefined, "en")).toBe("earthquake");
  });
});
