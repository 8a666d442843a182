# Ruby family: gem (RubyGems) and bundle (Bundler), from Debian 12 (bookworm):
#   ruby 1:3.1 (ruby3.1 3.1.2, RubyGems 3.3.15) and ruby-bundler 2.3.15.
# Sourced by .ci/install-clients, which defines apt_tool.
apt_tool ruby ruby-bundler
gem --version >/dev/null
bundle --version >/dev/null
