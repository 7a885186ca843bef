import { redactUrl } from './redact';

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://user:pw@db:5432/x?sslmode=require')).toBe('postgres://user:***@db:5432/x?sslmode=require');
  });
  it('leaves a URL without password alone', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
  it('masks what is not a URL entirely', () => {
    expect(redactUrl('user:pw@db')).toBe('***');
  });
});
