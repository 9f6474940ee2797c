package deepimage.imagej;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON the deepimage CLI prints (--json reports, --progress json lines) into plain Java
 * values: Map (objects, keys in order), List (arrays), String, Double, Boolean and null. ImageJ 1.x
 * ships no JSON library and the plugin must run on a bare ImageJ, so this small reader lives here.
 */
final class Json {
  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  static Object parse(String text) {
    Json reader = new Json(text);
    Object value = reader.value();
    reader.skipSpace();
    if (reader.at != text.length()) throw reader.error("unexpected text after the value");
    return value;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Object value) {
    return value instanceof Map ? (Map<String, Object>) value : new LinkedHashMap<String, Object>();
  }

  @SuppressWarnings("unchecked")
  static List<Object> array(Object value) {
    return value instanceof List ? (List<Object>) value : new ArrayList<Object>();
  }

  static String string(Map<String, Object> object, String key) {
    Object v = object.get(key);
    return v == null ? "" : v instanceof Double && ((Double) v) == Math.rint((Double) v)
        ? String.valueOf(((Double) v).longValue()) : String.valueOf(v);
  }

  static double number(Map<String, Object> object, String key, double otherwise) {
    Object v = object.get(key);
    return v instanceof Double ? (Double) v : otherwise;
  }

  private Object value() {
    skipSpace();
    if (at >= text.length()) throw error("a value is missing");
    char c = text.charAt(at);
    if (c == '{') return objectValue();
    if (c == '[') return arrayValue();
    if (c == '"') return stringValue();
    if (text.startsWith("true", at)) { at += 4; return Boolean.TRUE; }
    if (text.startsWith("false", at)) { at += 5; return Boolean.FALSE; }
    if (text.startsWith("null", at)) { at += 4; return null; }
    return numberValue();
  }

  private Map<String, Object> objectValue() {
    Map<String, Object> map = new LinkedHashMap<String, Object>();
    at++;
    skipSpace();
    if (peek() == '}') { at++; return map; }
    while (true) {
      skipSpace();
      if (peek() != '"') throw error("a key in quotes was expected");
      String key = stringValue();
      skipSpace();
      expect(':');
      map.put(key, value());
      skipSpace();
      if (peek() == ',') { at++; continue; }
      expect('}');
      return map;
    }
  }

  private List<Object> arrayValue() {
    List<Object> list = new ArrayList<Object>();
    at++;
    skipSpace();
    if (peek() == ']') { at++; return list; }
    while (true) {
      list.add(value());
      skipSpace();
      if (peek() == ',') { at++; continue; }
      expect(']');
      return list;
    }
  }

  private String stringValue() {
    StringBuilder s = new StringBuilder();
    at++;  // the opening quote
    while (at < text.length()) {
      char c = text.charAt(at++);
      if (c == '"') return s.toString();
      if (c != '\\') { s.append(c); continue; }
      if (at >= text.length()) break;
      char e = text.charAt(at++);
      switch (e) {
        case 'n': s.append('\n'); break;
        case 't': s.append('\t'); break;
        case 'r': s.append('\r'); break;
        case 'b': s.append('\b'); break;
        case 'f': s.append('\f'); break;
        case 'u':
          if (at + 4 > text.length()) throw error("a \\u escape is cut short");
          s.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
          break;
        default: s.append(e);  // \" \\ \/
      }
    }
    throw error("a string is not closed");
  }

  private Double numberValue() {
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
    if (start == at) throw error("a value was expected");
    return Double.valueOf(text.substring(start, at));
  }

  private void skipSpace() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
  }

  private char peek() {
    return at < text.length() ? text.charAt(at) : '\0';
  }

  private void expect(char c) {
    if (peek() != c) throw error("'" + c + "' was expected");
    at++;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("deepimage printed JSON that cannot be read (" + what + " at character " + at + ")");
  }
}
