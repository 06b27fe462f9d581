-- Unit kinds in sentence case, as Vietnamese writes them: the shipped list
-- had "Thành Phố Bắc Kạn" and nine more (issue 33). Imports now tidy names
-- as they read them; this fixes units stored before.
UPDATE areas SET name = 'Thành phố ' || substr(name, 11) WHERE name LIKE 'Thành Phố %';
UPDATE areas SET name = 'Thị xã ' || substr(name, 8) WHERE name LIKE 'Thị Xã %';
UPDATE areas SET name = 'Thị trấn ' || substr(name, 10) WHERE name LIKE 'Thị Trấn %';
UPDATE areas SET name = 'Đặc khu ' || substr(name, 9) WHERE name LIKE 'Đặc Khu %';
